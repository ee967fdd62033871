import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class DryRunQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The client whose snapshots the policy is applied to' }) @IsUUID() clientId!: string;
}

export class KeepReasonDto {
  @ApiProperty({ enum: ['pinned', 'newest-good', 'last', 'daily', 'weekly', 'monthly', 'yearly', 'within'] }) rule!: string;
  @ApiPropertyOptional({ description: 'The calendar bucket the snapshot stands for, e.g. "2026-03" for monthly' }) bucket?: string;
  @ApiPropertyOptional({ description: '1-based rank within the rule' }) rank?: number;
}

export class DryRunSnapshotDto {
  @ApiProperty({ format: 'uuid' }) snapshotId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() takenAt!: Date;
  @ApiProperty({ description: 'Finished without errors' }) good!: boolean;
  @ApiProperty() pinned!: boolean;
}

export class DryRunKeepDto extends DryRunSnapshotDto {
  @ApiProperty({ type: [KeepReasonDto] }) reasons!: KeepReasonDto[];
}

export class DryRunDeleteDto extends DryRunSnapshotDto {
  @ApiProperty() reason!: string;
}

export class RetentionDryRunDto {
  @ApiProperty({ format: 'uuid' }) policyId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ description: 'Time zone of the calendar buckets (the client\'s schedule\'s, else UTC)' }) timeZone!: string;
  @ApiProperty() evaluatedAt!: Date;
  @ApiProperty({ type: [DryRunKeepDto], description: 'Newest first' }) keep!: DryRunKeepDto[];
  @ApiProperty({ type: [DryRunDeleteDto], description: 'Newest first' }) delete!: DryRunDeleteDto[];
}
