import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { pipeline } from 'node:stream/promises';
import { ARCHIVE_CONTENT_TYPES } from './archive-writer.js';
import { contentDisposition } from './browse-path.js';
import { ArchiveQueryDto, EntryDto, EntryPageDto, FindQueryDto, FindResultDto, HistoryDto, ListEntriesQueryDto, PathQueryDto, SnapshotDto, UpdateSnapshotDto } from './snapshot.dto.js';
import { SeqPipe } from './seq.pipe.js';
import { SnapshotsService } from './snapshots.service.js';

@ApiTags('snapshots')
@Controller('clients/:id')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Get('snapshots')
  @ApiOperation({ summary: "The client's snapshots, newest first" })
  @ApiOkResponse({ type: [SnapshotDto] })
  @ApiNotFoundResponse()
  async list(@Param('id', ParseUUIDPipe) id: string): Promise<SnapshotDto[]> {
    return (await this.snapshots.list(id)).map(SnapshotDto.from);
  }

  @Patch('snapshots/:seq')
  @ApiOperation({ summary: 'Pin or unpin a snapshot (pinned ones are never pruned)' })
  @ApiOkResponse({ type: SnapshotDto })
  @ApiNotFoundResponse()
  async update(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Param('seq', SeqPipe) seq: number, @Body() body: UpdateSnapshotDto): Promise<SnapshotDto> {
    return SnapshotDto.from(await this.snapshots.setPinned(`user:${request.user.id}`, id, seq, body.pinned));
  }

  @Get('snapshots/:seq/entries')
  @ApiOperation({ summary: 'One page of a directory as it was in a snapshot' })
  @ApiOkResponse({ type: EntryPageDto })
  @ApiBadRequestResponse({ description: 'A hostile or malformed path, or a path that is not a directory' })
  @ApiNotFoundResponse()
  async entries(@Param('id', ParseUUIDPipe) id: string, @Param('seq', SeqPipe) seq: number, @Query() query: ListEntriesQueryDto): Promise<EntryPageDto> {
    const page = await this.snapshots.entries(id, seq, query.path, { limit: query.limit ?? 100, offset: query.offset ?? 0, sort: query.sort ?? 'name', order: query.order ?? 'asc' });
    return { path: page.path, entries: page.entries.map(EntryDto.from), total: page.total };
  }

  @Get('history')
  @ApiOperation({ summary: 'Every version of one path across the snapshots' })
  @ApiOkResponse({ type: HistoryDto })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  async history(@Param('id', ParseUUIDPipe) id: string, @Query() query: PathQueryDto): Promise<HistoryDto> {
    const view = await this.snapshots.history(id, query.path);
    return {
      path: view.path,
      versions: view.versions.map(({ firstSeq, lastSeq, type, size, mtime, sha256, linkTarget, firstSeenAt, goneAt, downloadSeq }) => ({
        firstSeq, lastSeq, type, size, mtime, sha256, linkTarget, firstSeenAt, goneAt, downloadSeq,
      })),
      snapshots: view.snapshots,
    };
  }

  @Get('find')
  @ApiOperation({ summary: 'Find paths by name or glob across all snapshots of the client, with every version of each' })
  @ApiOkResponse({ type: FindResultDto })
  @ApiBadRequestResponse({ description: 'An empty or over-long query, or a bad page' })
  @ApiNotFoundResponse()
  async find(@Param('id', ParseUUIDPipe) id: string, @Query() query: FindQueryDto): Promise<FindResultDto> {
    const view = await this.snapshots.find(id, query.q, { limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return {
      total: view.total,
      hits: view.hits.map(({ path, name, versions }) => ({
        path,
        name,
        versions: versions.map(({ firstSeq, lastSeq, type, size, mtime, sha256, downloadSeq }) => ({ firstSeq, lastSeq, type, size, mtime, sha256, downloadSeq })),
      })),
    };
  }

  @Get('snapshots/:seq/download')
  @ApiOperation({ summary: 'Download one file as it was in a snapshot (streamed)' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiBadRequestResponse({ description: 'A hostile or malformed path, or not a file' })
  @ApiNotFoundResponse()
  async download(@Param('id', ParseUUIDPipe) id: string, @Param('seq', SeqPipe) seq: number, @Query() query: PathQueryDto, @Res() response: Response): Promise<void> {
    const file = await this.snapshots.download(id, seq, query.path);
    response.status(200);
    response.setHeader('Content-Type', 'application/octet-stream');
    response.setHeader('Content-Length', String(file.size));
    response.setHeader('Content-Disposition', contentDisposition(file.name));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'private, no-store');
    if (file.sha256) response.setHeader('X-Content-SHA256', file.sha256);
    try {
      await pipeline(file.stream, response);
    } catch {
      // The client went away or the read failed mid-stream: headers are out, so all we can do is cut the connection.
      response.destroy();
    }
  }

  @Get('snapshots/:seq/archive')
  @ApiOperation({ summary: 'Download a folder, a selection or a whole snapshot as zip, tar or tar.gz (streamed, no size limit)' })
  @ApiProduces('application/zip', 'application/x-tar', 'application/gzip')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiBadRequestResponse({ description: 'A hostile or malformed path, or an unknown format' })
  @ApiNotFoundResponse()
  async archive(@Param('id', ParseUUIDPipe) id: string, @Param('seq', SeqPipe) seq: number, @Query() query: ArchiveQueryDto, @Res() response: Response): Promise<void> {
    const archive = await this.snapshots.archive(id, seq, query.path ?? [], query.format);
    response.status(200);
    response.setHeader('Content-Type', ARCHIVE_CONTENT_TYPES[query.format]);
    response.setHeader('Content-Disposition', contentDisposition(archive.fileName));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'private, no-store');
    try {
      await pipeline(archive.stream, response);
    } catch {
      // The client went away, or a stored file failed its check mid-stream: cutting the connection
      // is the only way left to tell the client the archive is not whole.
      response.destroy();
    }
  }
}
