import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, Validate, ValidateNested,
} from 'class-validator';
import type { AlertSettingsRecord } from '@backtrac/catalog';
import { TimeZoneConstraint } from '../schedules/schedule.dto.js';

/** Alert types an admin can switch on or off ('test' is always sent when asked for). */
export const CONFIGURABLE_ALERT_TYPES = ['run-failed', 'not-backed-up', 'agent-offline', 'disk-guard', 'verify-corruption', 'unusual-run', 'daily-digest'] as const;

const HOSTNAME = /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/;

export class SmtpSettingsInputDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'smtp.example.org', description: 'Null: no email channel; omitted: unchanged' })
  @IsOptional() @IsString() @MaxLength(253) @Matches(HOSTNAME, { message: 'host must be a host name or an IP address' }) host?: string | null;
  @ApiPropertyOptional({ minimum: 1, maximum: 65535, default: 587 }) @IsOptional() @IsInt() @Min(1) @Max(65535) port?: number;
  @ApiPropertyOptional({ description: 'TLS from the first byte (port 465)' }) @IsOptional() @IsBoolean() secure?: boolean;
  @ApiPropertyOptional({ description: 'Refuse to send when the server does not offer STARTTLS' }) @IsOptional() @IsBoolean() requireTls?: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @MaxLength(256) username?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, writeOnly: true, description: 'Write-only. Omitted: unchanged; null: removed' })
  @IsOptional() @IsString() @MaxLength(1024) password?: string | null;
}

export class WebhookInputDto {
  @ApiProperty({ example: 'https://hooks.example.org/backtrac' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an http:// or https:// URL' }) @MaxLength(2048) url!: string;
  @ApiPropertyOptional({ type: String, nullable: true, writeOnly: true, description: 'HMAC-SHA256 signing secret, write-only. Omitted: keep the one stored for this URL; null: unsigned' })
  @IsOptional() @IsString() @MinLength(8) @MaxLength(256) secret?: string | null;
  @ApiPropertyOptional({ type: [String], enum: CONFIGURABLE_ALERT_TYPES, description: 'Empty or omitted: every enabled type' })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsIn(CONFIGURABLE_ALERT_TYPES, { each: true }) types?: string[];
}

export class UpdateAlertSettingsDto {
  @ApiPropertyOptional({ example: 'BackTrac at HQ' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(100) serverName?: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://backtrac.example.org' })
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }) @MaxLength(2048) consoleUrl?: string | null;
  @ApiPropertyOptional({ example: 'Europe/Berlin' }) @IsOptional() @Validate(TimeZoneConstraint) timeZone?: string;
  @ApiPropertyOptional({ type: SmtpSettingsInputDto }) @IsOptional() @ValidateNested() @Type(() => SmtpSettingsInputDto) smtp?: SmtpSettingsInputDto;
  @ApiPropertyOptional({ example: 'backtrac@example.org' }) @IsOptional() @IsEmail() @MaxLength(320) from?: string;
  @ApiPropertyOptional({ type: [String], example: ['admin@example.org'] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsEmail({}, { each: true }) recipients?: string[];
  @ApiPropertyOptional({ type: [WebhookInputDto] }) @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => WebhookInputDto) webhooks?: WebhookInputDto[];
  @ApiPropertyOptional({ minimum: 0, maximum: 365, description: 'Alert when a client has no good backup for N days (0: off)' })
  @IsOptional() @IsInt() @Min(0) @Max(365) notBackedUpDays?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 8760, description: 'Alert when an agent is silent for N hours (0: off)' })
  @IsOptional() @IsInt() @Min(0) @Max(8760) agentOfflineHours?: number;
  @ApiPropertyOptional({ minimum: 0.01, maximum: 1, description: 'Share of files changed at once that counts as an unusual run' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.01) @Max(1) unusualRunShare?: number;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 23, description: 'Local hour of the daily digest; null: no digest' })
  @IsOptional() @IsInt() @Min(0) @Max(23) digestHour?: number | null;
  @ApiPropertyOptional({ type: [String], enum: CONFIGURABLE_ALERT_TYPES })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsIn(CONFIGURABLE_ALERT_TYPES, { each: true }) enabledTypes?: string[];
  @ApiPropertyOptional({ minimum: 0, maximum: 720, description: 'A standing condition is repeated after N hours (0: once)' })
  @IsOptional() @IsInt() @Min(0) @Max(720) repeatHours?: number;
}

export class SmtpSettingsDto {
  @ApiProperty({ type: String, nullable: true }) host!: string | null;
  @ApiProperty() port!: number;
  @ApiProperty() secure!: boolean;
  @ApiProperty() requireTls!: boolean;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty({ description: 'A password is stored (it is never returned)' }) passwordSet!: boolean;
}

export class WebhookDto {
  @ApiProperty() url!: string;
  @ApiProperty({ description: 'A signing secret is stored (it is never returned)' }) secretSet!: boolean;
  @ApiProperty({ type: [String] }) types!: string[];
}

export class AlertSettingsDto {
  @ApiProperty() serverName!: string;
  @ApiProperty({ type: String, nullable: true }) consoleUrl!: string | null;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ type: SmtpSettingsDto }) smtp!: SmtpSettingsDto;
  @ApiProperty() from!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ type: [WebhookDto] }) webhooks!: WebhookDto[];
  @ApiProperty() notBackedUpDays!: number;
  @ApiProperty() agentOfflineHours!: number;
  @ApiProperty() unusualRunShare!: number;
  @ApiProperty({ type: Number, nullable: true }) digestHour!: number | null;
  @ApiProperty({ type: [String] }) enabledTypes!: string[];
  @ApiProperty() repeatHours!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Null: never saved (these are the defaults)' }) updatedAt!: Date | null;

  static from(record: AlertSettingsRecord, saved: boolean): AlertSettingsDto {
    return {
      serverName: record.serverName,
      consoleUrl: record.consoleUrl,
      timeZone: record.timeZone,
      smtp: {
        host: record.smtpHost, port: record.smtpPort, secure: record.smtpSecure, requireTls: record.smtpRequireTls,
        username: record.smtpUsername, passwordSet: record.smtpPasswordSealed !== null,
      },
      from: record.mailFrom,
      recipients: record.recipients,
      webhooks: record.webhooks.map((hook) => ({ url: hook.url, secretSet: hook.secretSealed !== null, types: hook.types })),
      notBackedUpDays: record.notBackedUpDays,
      agentOfflineHours: record.agentOfflineHours,
      unusualRunShare: record.unusualRunShare,
      digestHour: record.digestHour,
      enabledTypes: record.enabledTypes,
      repeatHours: record.repeatHours,
      updatedAt: saved ? record.updatedAt : null,
    };
  }
}

export class ChannelResultDto {
  @ApiProperty({ enum: ['email', 'webhook'] }) channel!: 'email' | 'webhook';
  @ApiProperty({ description: 'Recipients (email) or URL (webhook)' }) target!: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional() error?: string;
}

export class TestAlertResultDto {
  @ApiProperty({ description: 'At least one channel took the test alert' }) ok!: boolean;
  @ApiProperty({ type: [ChannelResultDto] }) results!: ChannelResultDto[];
}
