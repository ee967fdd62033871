import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, Validate,
  ValidateNested, type ValidatorConstraintInterface, ValidatorConstraint,
} from 'class-validator';
import { Cron } from 'croner';
import type { Schedule } from '@backtrac/catalog';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HH_MM_MESSAGE = 'must be a time of day as HH:MM (00:00 to 23:59)';

@ValidatorConstraint({ name: 'cronExpression' })
export class CronExpressionConstraint implements ValidatorConstraintInterface {
  private reason = '';
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      new Cron(value, { paused: true });
      return true;
    } catch (error) {
      this.reason = error instanceof Error ? `: ${error.message}` : '';
      return false;
    }
  }
  defaultMessage(): string {
    return `cron must be a cron expression such as "0 22 * * *"${this.reason}`;
  }
}

@ValidatorConstraint({ name: 'timeZone' })
export class TimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'timezone must be an IANA time zone such as "Europe/Berlin" or "UTC"';
  }
}

export class BlackoutPeriodDto {
  @ApiProperty({ type: [Number], description: 'ISO weekdays 1 (Monday) to 7; empty means every day' })
  @IsArray() @ArrayMaxSize(7) @IsInt({ each: true }) @Min(1, { each: true }) @Max(7, { each: true }) weekdays!: number[];
  @ApiProperty({ example: '08:00' }) @Matches(HH_MM, { message: `start ${HH_MM_MESSAGE}` }) start!: string;
  @ApiProperty({ example: '18:00' }) @Matches(HH_MM, { message: `end ${HH_MM_MESSAGE}` }) end!: string;
}

export class CreateScheduleDto {
  @ApiProperty({ example: 'nightly' }) @IsString() @MinLength(1) @MaxLength(64) name!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Null: applies to every client without a schedule of its own' })
  @IsOptional() @IsUUID() clientId?: string | null;
  @ApiProperty({ example: '0 22 * * *' }) @IsString() @MaxLength(128) @Validate(CronExpressionConstraint) cron!: string;
  @ApiPropertyOptional({ example: 'Europe/Berlin' }) @IsOptional() @Validate(TimeZoneConstraint) timezone?: string;
  @ApiPropertyOptional({ type: String, example: '20:00', nullable: true }) @IsOptional() @Matches(HH_MM, { message: `windowStart ${HH_MM_MESSAGE}` }) windowStart?: string | null;
  @ApiPropertyOptional({ type: String, example: '06:00', nullable: true }) @IsOptional() @Matches(HH_MM, { message: `windowEnd ${HH_MM_MESSAGE}` }) windowEnd?: string | null;
  @ApiPropertyOptional({ type: [BlackoutPeriodDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => BlackoutPeriodDto) blackouts?: BlackoutPeriodDto[];
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Full backup every N days; null: never' })
  @IsOptional() @IsInt() @Min(1) @Max(3650) fullEveryDays?: number | null;
  @ApiPropertyOptional({ minimum: 0, maximum: 86400 }) @IsOptional() @IsInt() @Min(0) @Max(86400) jitterSeconds?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) @IsOptional() @IsUUID() retentionPolicyId?: string | null;
}

export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}

export class ScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) clientId!: string | null;
  @ApiProperty() cron!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ nullable: true, type: String }) windowStart!: string | null;
  @ApiProperty({ nullable: true, type: String }) windowEnd!: string | null;
  @ApiProperty({ type: [BlackoutPeriodDto] }) blackouts!: BlackoutPeriodDto[];
  @ApiProperty({ nullable: true, type: Number }) fullEveryDays!: number | null;
  @ApiProperty() jitterSeconds!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) retentionPolicyId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(schedule: Schedule): ScheduleDto {
    const { id, name, clientId, cron, timezone, windowStart, windowEnd, blackouts, fullEveryDays, jitterSeconds, enabled, retentionPolicyId, createdAt, updatedAt } = schedule;
    return { id, name, clientId, cron, timezone, windowStart, windowEnd, blackouts, fullEveryDays, jitterSeconds, enabled, retentionPolicyId, createdAt, updatedAt };
  }
}
