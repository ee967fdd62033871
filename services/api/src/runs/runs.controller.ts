import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListRunsQueryDto, RunDto, RunLogLineDto, RunLogPageDto, RunLogQueryDto, RunPageDto, StoreGrowthPointDto, StoreStatsDto, StoreStatsQueryDto } from './run.dto.js';
import { RunsService } from './runs.service.js';

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  @ApiOperation({ summary: 'Backup runs, newest first' })
  @ApiOkResponse({ type: RunPageDto })
  async list(@Query() query: ListRunsQueryDto): Promise<RunPageDto> {
    const page = await this.runs.list({ clientId: query.clientId, state: query.state, limit: query.limit ?? 50, before: query.before });
    return { runs: page.runs.map(RunDto.from), nextBefore: page.nextBefore };
  }

  @Get(':id')
  @ApiOkResponse({ type: RunDto })
  @ApiNotFoundResponse()
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<RunDto> {
    return RunDto.from(await this.runs.get(id));
  }

  @Get(':id/log')
  @ApiOperation({ summary: "The run's log lines in order" })
  @ApiOkResponse({ type: RunLogPageDto })
  @ApiNotFoundResponse()
  async log(@Param('id', ParseUUIDPipe) id: string, @Query() query: RunLogQueryDto): Promise<RunLogPageDto> {
    const lines = (await this.runs.log(id, query.afterId, query.limit ?? 200)).map(RunLogLineDto.from);
    return { lines, lastId: lines.at(-1)?.id ?? null };
  }
}

@ApiTags('stats')
@Controller('stats')
export class StatsController {
  constructor(private readonly runs: RunsService) {}

  @Get('store')
  @ApiOperation({ summary: 'Store growth and deduplication per finished run' })
  @ApiOkResponse({ type: StoreStatsDto })
  async store(@Query() query: StoreStatsQueryDto): Promise<StoreStatsDto> {
    const points = (await this.runs.storeGrowth(query.limit ?? 100)).map(StoreGrowthPointDto.from);
    return {
      points,
      logicalBytes: points.reduce((sum, p) => sum + p.bytesTotal, 0),
      storedBytes: points.reduce((sum, p) => sum + p.bytesStoredNew, 0),
    };
  }
}
