import { ApiProperty } from '@nestjs/swagger';
import type { RestoreLogEvent, RestoreProgressEvent, RestoreStateEvent, RunLogEvent, RunProgressEvent, RunStateEvent } from '@backtrac/queue';

// The SSE stream's events, declared for the OpenAPI document (the console's types are generated
// from it); `implements` keeps each one in step with libs/queue's events.ts.

export class RunProgressEventDto implements RunProgressEvent {
  @ApiProperty({ enum: ['run.progress'] }) type!: 'run.progress';
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() filesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) filesTotal!: number | null;
  @ApiProperty() bytesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) bytesTotal!: number | null;
  @ApiProperty({ type: String, nullable: true }) currentPath!: string | null;
  @ApiProperty() bytesPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true }) etaSeconds!: number | null;
}

export class RunLogEventDto implements RunLogEvent {
  @ApiProperty({ enum: ['run.log'] }) type!: 'run.log';
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: RunLogEvent['level'];
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class RunStateEventDto implements RunStateEvent {
  @ApiProperty({ enum: ['run.state'] }) type!: 'run.state';
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] }) state!: RunStateEvent['state'];
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class RestoreProgressEventDto implements RestoreProgressEvent {
  @ApiProperty({ enum: ['restore.progress'] }) type!: 'restore.progress';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() filesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) filesTotal!: number | null;
  @ApiProperty() bytesDone!: number;
  @ApiProperty({ type: Number, nullable: true }) bytesTotal!: number | null;
  @ApiProperty({ type: String, nullable: true }) currentPath!: string | null;
  @ApiProperty() bytesPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true }) etaSeconds!: number | null;
}

export class RestoreLogEventDto implements RestoreLogEvent {
  @ApiProperty({ enum: ['restore.log'] }) type!: 'restore.log';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: RestoreLogEvent['level'];
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class RestoreStateEventDto implements RestoreStateEvent {
  @ApiProperty({ enum: ['restore.state'] }) type!: 'restore.state';
  @ApiProperty({ format: 'uuid' }) restoreId!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] }) state!: RestoreStateEvent['state'];
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export const LIVE_EVENT_DTOS = [RunProgressEventDto, RunLogEventDto, RunStateEventDto, RestoreProgressEventDto, RestoreLogEventDto, RestoreStateEventDto];
