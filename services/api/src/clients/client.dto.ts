import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { Client } from '@backtrac/catalog';

export class CreateClientDto {
  @ApiProperty({ example: 'ws-01', description: 'Unique name; letters, digits, dot, dash and underscore' })
  @IsString() @MinLength(1) @MaxLength(64) @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain only letters, digits, ".", "-" and "_", and must start with a letter or digit' })
  name!: string;

  @ApiProperty({ example: 'ws-01.example.lan' })
  @IsString() @MinLength(1) @MaxLength(253) @Matches(/^[A-Za-z0-9.:_-]+$/, { message: 'hostname must be a host name or an IP address' })
  hostname!: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiPropertyOptional({ description: 'Site for per-site concurrency caps' }) @IsOptional() @IsString() @MaxLength(64) site?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateClientDto extends PartialType(CreateClientDto) {}

export class ClientDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() description!: string;
  @ApiProperty() site!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(client: Client): ClientDto {
    const { id, name, hostname, description, site, enabled, createdAt, updatedAt } = client;
    return { id, name, hostname, description, site, enabled, createdAt, updatedAt };
  }
}
