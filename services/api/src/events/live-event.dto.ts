import { ApiProperty } from '@nestjs/swagger';
import type { RestoreLogEvent, RestoreProgressEvent, RestoreStateEvent, RunLogEvent, RunProgressEvent, RunStateEvent } from '@backtrac/queue';

// The SSE stream's events, declared for the OpenAPI document (the console's types are generated
// from it); `implements` keeps each one in step with libs/queue's events.ts. Runs and restores
// report progress, log lines and states with the same fields.

abstract class ProgressFieldsDto {
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() filesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) filesTotal!: number | null;
  @ApiProperty() bytesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) bytesTotal!: number | null;
  @ApiProperty({ type: String, nullable: true }) currentPath!: string | null;
  @ApiProperty() bytesPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true }) etaSeconds!: number | null;
}

abstract class LogFieldsDto {
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: RunLogEvent['level'];
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

abstract class StateFieldsDto {
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] }) state!: RunStateEvent['state'];
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class RunProgressEventDto extends ProgressFieldsDto implements RunProgressEvent {
  @ApiProperty({ enum: ['run.progress'] }) type!: 'run.progress';
  @ApiProperty({ format: 'uuid' }) runId!: string;
}

export class RunLogEventDto extends LogFieldsDto implements RunLogEvent {
  @ApiProperty({ enum: ['run.log'] }) type!: 'run.log';
  @ApiProperty({ format: 'uuid' }) runId!: string;
}

export class RunStateEventDto extends StateFieldsDto implements RunStateEvent {
  @ApiProperty({ enum: ['run.state'] }) type!: 'run.state';
  @ApiProperty({ format: 'uuid' }) runId!: string;
}

export class RestoreProgressEventDto extends ProgressFieldsDto implements RestoreProgressEvent {
  @ApiProperty({ enum: ['restore.progress'] }) type!: 'restore.progress';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
}

export class RestoreLogEventDto extends LogFieldsDto implements RestoreLogEvent {
  @ApiProperty({ enum: ['restore.log'] }) type!: 'restore.log';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
}

export class RestoreStateEventDto extends StateFieldsDto implements RestoreStateEvent {
  @ApiProperty({ enum: ['restore.state'] }) type!: 'restore.state';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
}

export const LIVE_EVENT_DTOS = [RunProgressEventDto, RunLogEventDto, RunStateEventDto, RestoreProgressEventDto, RestoreLogEventDto, RestoreStateEventDto];
