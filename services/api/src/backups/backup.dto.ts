import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class StartBackupDto {
  @ApiPropertyOptional({ description: 'Re-read and re-hash every file instead of trusting (path, size, mtime)', default: false })
  @IsOptional() @IsBoolean() full?: boolean;
}

export class BackupStartedDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ example: 'backup:4f1c…:2026-01-02T03:04:05.000Z' }) jobId!: string;
}
