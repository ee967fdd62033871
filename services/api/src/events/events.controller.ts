import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { Request, Response } from 'express';
import { LIVE_EVENT_DTOS } from './live-event.dto.js';
import { LiveEventsRelay } from './live-events.relay.js';

export const HEARTBEAT_MS = 15_000;

export class EventsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only events of this run' }) @IsOptional() @IsUUID() runId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only events of this restore' }) @IsOptional() @IsUUID() restoreId?: string;
}

@ApiTags('events')
@ApiExtraModels(...LIVE_EVENT_DTOS)
@Controller('events')
export class EventsController {
  constructor(private readonly relay: LiveEventsRelay) {}

  @Get()
  @ApiOperation({
    summary: 'Live run and restore events (server-sent events)',
    description: 'Each event is named after its type (run.progress, run.log, run.state, restore.progress, restore.log, restore.state) and carries the JSON event as data. A comment line is sent every 15 s to keep proxies from closing the stream.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'A stream of events; the data of each is one of these, told apart by `type`.',
    content: { 'text/event-stream': { schema: { oneOf: LIVE_EVENT_DTOS.map((dto) => ({ $ref: getSchemaPath(dto) })), discriminator: { propertyName: 'type' } } } },
  })
  stream(@Query() query: EventsQueryDto, @Req() request: Request, @Res() response: Response): void {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(': connected\n\n');
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const unsubscribe = this.relay.subscribe({
      event(event) {
        if (query.runId && (!('runId' in event) || event.runId !== query.runId)) return;
        if (query.restoreId && (!('restoreId' in event) || event.restoreId !== query.restoreId)) return;
        response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      },
      close: () => response.end(),
    });
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    request.on('close', stop);
    response.on('close', stop);
  }
}
