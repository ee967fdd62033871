import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  AuditLogRepository, ClientRepository, FileVersionRepository, type Restore, type RestoreLogLine, RestoreRepository, ShareRepository, SnapshotRepository,
} from '@backtrac/catalog';
import { RestoreJobProducer } from '@backtrac/queue';
import { parseBrowsePath, splitParent } from '../snapshots/browse-path.js';
import type { CreateRestoreDto } from './restore.dto.js';

/** A destination folder inside a share: plain relative components, nothing that climbs out. */
function parseDestinationPath(raw: string): string {
  const segments = raw.split(/[/\\]+/).filter((segment) => segment !== '');
  if (raw.includes('\0')) throw new BadRequestException('destination.path must not contain NUL');
  if (segments.some((segment) => segment === '.' || segment === '..')) throw new BadRequestException('destination.path must not contain "." or ".." components');
  return segments.join('/');
}

/** Requests, lists and cancels restores; the copy worker carries them out. */
@Injectable()
export class RestoresService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly shares: ShareRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly versions: FileVersionRepository,
    private readonly restores: RestoreRepository,
    private readonly audit: AuditLogRepository,
    private readonly producer: RestoreJobProducer,
  ) {}

  async create(actor: string, body: CreateRestoreDto): Promise<Restore> {
    const client = await this.clients.findById(body.clientId);
    if (!client) throw new NotFoundException(`Client ${body.clientId} does not exist`);
    if ((body.seq === undefined) === (body.asOf === undefined)) throw new BadRequestException('Give exactly one of seq and asOf');
    if (body.mirror && body.confirmMirror !== true) {
      throw new BadRequestException('mirror removes files at the destination that the snapshot does not have; set confirmMirror to true to confirm');
    }
    const asOf = body.asOf === undefined ? null : new Date(body.asOf);
    const seq = body.seq ?? (await this.restores.newestGoodSnapshotAt(client.id, asOf!));
    if (seq === null) throw new NotFoundException(`Client ${client.name} has no complete snapshot finished at or before ${asOf!.toISOString()}`);
    if (!(await this.snapshots.find(client.id, seq))) throw new NotFoundException(`Client ${client.name} has no snapshot ${seq}`);

    const paths = [...new Set(body.paths ?? [])];
    for (const path of paths) {
      const segments = parseBrowsePath(path, { allowRoot: false });
      const { parent, name } = splitParent(segments);
      if (!(await this.versions.findEntry(client.id, seq, parent, name))) throw new BadRequestException(`${path} is not in snapshot ${seq} of ${client.name}`);
    }

    let target: { clientId: string; shareId: string; path: string } | null = null;
    if (body.destination) {
      const destClient = await this.clients.findById(body.destination.clientId);
      if (!destClient) throw new NotFoundException(`Destination client ${body.destination.clientId} does not exist`);
      const share = await this.shares.findById(body.destination.shareId);
      if (!share) throw new NotFoundException(`Destination share ${body.destination.shareId} does not exist`);
      if (share.clientId !== destClient.id) throw new BadRequestException(`Share ${share.name} does not belong to client ${destClient.name}`);
      if (!share.url.toLowerCase().startsWith('smb://')) throw new BadRequestException(`Share ${share.name} is not an smb:// share; restores are written over SMB`);
      target = { clientId: destClient.id, shareId: share.id, path: parseDestinationPath(body.destination.path) };
    }

    const restore = await this.restores.create({
      clientId: client.id, seq, asOf, paths, target, policy: body.policy, mirror: body.mirror ?? false, verifyReadBack: body.verifyReadBack ?? false, requestedBy: actor,
    });
    if (!restore) throw new ConflictException(`Snapshot ${seq} of ${client.name} is being pruned`);
    try {
      await this.producer.enqueue(restore);
    } catch (error) {
      const message = `could not enqueue: ${error instanceof Error ? error.message : String(error)}`;
      await this.restores.finish(restore.id, 'failed', { error: message });
      throw error;
    }
    await this.audit.record({
      actor, action: 'restore.requested', target: `client:${client.id}`,
      details: { restoreId: restore.id, seq, paths, destination: target, policy: body.policy, mirror: restore.mirror, verifyReadBack: restore.verifyReadBack },
    });
    return restore;
  }

  list(query: { clientId?: string; limit: number; offset: number }): Promise<{ items: Restore[]; total: number }> {
    return this.restores.list(query);
  }

  async get(id: string): Promise<Restore> {
    const restore = await this.restores.findById(id);
    if (!restore) throw new NotFoundException(`Restore ${id} does not exist`);
    return restore;
  }

  async log(id: string, afterId: string | undefined, limit: number): Promise<RestoreLogLine[]> {
    await this.get(id);
    return this.restores.logLines(id, afterId, limit);
  }

  async cancel(actor: string, id: string): Promise<Restore> {
    const restore = await this.restores.requestCancel(id);
    if (!restore) throw new NotFoundException(`Restore ${id} does not exist`);
    if (restore.state === 'cancelled') await this.producer.removeWaiting(restore);
    await this.audit.record({ actor, action: 'restore.cancel-requested', target: `client:${restore.clientId}`, details: { restoreId: id, state: restore.state } });
    return restore;
  }
}
