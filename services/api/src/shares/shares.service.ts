import { fileURLToPath } from 'node:url';
import { BadRequestException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { AuditLogRepository, ClientRepository, type Share, ShareRepository, type User } from '@backtrac/catalog';
import { isUnderFileShareRoot } from '@backtrac/config';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';
import type { CreateShareDto, UpdateShareDto } from './share.dto.js';

type Actor = Pick<User, 'id' | 'role'>;

@Injectable()
export class SharesService {
  constructor(
    private readonly shares: ShareRepository,
    private readonly clients: ClientRepository,
    private readonly audit: AuditLogRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async listForClient(clientId: string): Promise<Share[]> {
    await this.requireClient(clientId);
    return this.shares.listForClient(clientId);
  }

  async get(id: string): Promise<Share> {
    const share = await this.shares.findById(id);
    if (!share) throw new NotFoundException(`Share ${id} does not exist`);
    return share;
  }

  async create(user: Actor, clientId: string, input: CreateShareDto): Promise<Share> {
    await this.requireClient(clientId);
    this.checkFileUrl(user, input.url);
    const share = await this.shares.createForClient(clientId, input);
    await this.audit.record({ actor: `user:${user.id}`, action: 'share.created', target: `share:${share.id}`, details: { clientId, name: share.name, url: share.url } });
    return share;
  }

  async update(user: Actor, id: string, input: UpdateShareDto): Promise<Share> {
    if (input.url !== undefined) this.checkFileUrl(user, input.url);
    const share = await this.shares.updateShare(id, input);
    if (!share) throw new NotFoundException(`Share ${id} does not exist`);
    await this.audit.record({ actor: `user:${user.id}`, action: 'share.updated', target: `share:${id}`, details: { fields: Object.keys(input) } });
    return share;
  }

  async remove(actor: string, id: string): Promise<void> {
    if (!(await this.shares.delete(id))) throw new NotFoundException(`Share ${id} does not exist`);
    await this.audit.record({ actor, action: 'share.deleted', target: `share:${id}` });
  }

  /**
   * A file:// share reads this server's own disk: only an admin may point one, and only under a
   * directory listed in FILE_SHARE_ROOTS (none by default).
   */
  private checkFileUrl(user: Actor, url: string): void {
    if (!url.startsWith('file:')) return;
    if (user.role !== 'admin') throw new ForbiddenException('Only an admin may create a file:// share (it reads the backup server\'s own disk)');
    const roots = this.config.fileShareRoots;
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (error) {
      throw new BadRequestException(`url ${url} is not a usable file:// path: ${(error as Error).message}`);
    }
    if (!isUnderFileShareRoot(path, roots)) {
      const allowed = roots.length > 0 ? `one of ${roots.join(', ')}` : 'none is configured, so file:// shares are disabled';
      throw new BadRequestException(`url ${url} is not under a directory listed in FILE_SHARE_ROOTS (${allowed})`);
    }
  }

  private async requireClient(clientId: string): Promise<void> {
    if (!(await this.clients.findById(clientId))) throw new NotFoundException(`Client ${clientId} does not exist`);
  }
}
