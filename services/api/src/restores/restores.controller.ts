import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { CreateRestoreDto, ListRestoresQueryDto, RestoreDto, RestoreLogLineDto, RestoreLogPageDto, RestoreLogQueryDto, RestorePageDto } from './restore.dto.js';
import { RestoresService } from './restores.service.js';

@ApiTags('restores')
@Controller('restores')
export class RestoresController {
  constructor(private readonly restores: RestoresService) {}

  @Post()
  @ApiOperation({ summary: 'Restore a snapshot, a folder or some paths to a client share' })
  @ApiCreatedResponse({ type: RestoreDto })
  @ApiBadRequestResponse({ description: 'Invalid request: no such path in the snapshot, share not of that client, mirror without confirmation…' })
  @ApiNotFoundResponse({ description: 'No such client, snapshot or share' })
  @ApiConflictResponse({ description: 'The snapshot is being pruned' })
  async create(@Req() request: AuthenticatedRequest, @Body() body: CreateRestoreDto): Promise<RestoreDto> {
    return RestoreDto.from(await this.restores.create(`user:${request.user.id}`, body));
  }

  @Get()
  @ApiOperation({ summary: 'Restores, newest first' })
  @ApiOkResponse({ type: RestorePageDto })
  async list(@Query() query: ListRestoresQueryDto): Promise<RestorePageDto> {
    const page = await this.restores.list({ clientId: query.clientId, limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return { items: page.items.map(RestoreDto.from), total: page.total };
  }

  @Get(':id')
  @ApiOkResponse({ type: RestoreDto })
  @ApiNotFoundResponse()
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<RestoreDto> {
    return RestoreDto.from(await this.restores.get(id));
  }

  @Get(':id/log')
  @ApiOperation({ summary: "The restore's log lines in order" })
  @ApiOkResponse({ type: RestoreLogPageDto })
  @ApiNotFoundResponse()
  async log(@Param('id', ParseUUIDPipe) id: string, @Query() query: RestoreLogQueryDto): Promise<RestoreLogPageDto> {
    const lines = (await this.restores.log(id, query.afterId, query.limit ?? 200)).map(RestoreLogLineDto.from);
    return { lines, lastId: lines.at(-1)?.id ?? null };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a restore: a queued one at once, a running one within seconds' })
  @ApiOkResponse({ type: RestoreDto })
  @ApiNotFoundResponse()
  async cancel(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<RestoreDto> {
    return RestoreDto.from(await this.restores.cancel(`user:${request.user.id}`, id));
  }
}
