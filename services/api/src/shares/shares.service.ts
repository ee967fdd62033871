import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditLogRepository, ClientRepository, type Share, ShareRepository } from '@backtrac/catalog';
import type { CreateShareDto, UpdateShareDto } from './share.dto.js';

@Injectable()
export class SharesService {
  constructor(
    private readonly shares: ShareRepository,
    private readonly clients: ClientRepository,
    private readonly audit: AuditLogRepository,
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

  async create(actor: string, clientId: string, input: CreateShareDto): Promise<Share> {
    await this.requireClient(clientId);
    const share = await this.shares.createForClient(clientId, input);
    await this.audit.record({ actor, action: 'share.created', target: `share:${share.id}`, details: { clientId, name: share.name, url: share.url } });
    return share;
  }

  async update(actor: string, id: string, input: UpdateShareDto): Promise<Share> {
    const share = await this.shares.updateShare(id, input);
    if (!share) throw new NotFoundException(`Share ${id} does not exist`);
    await this.audit.record({ actor, action: 'share.updated', target: `share:${id}`, details: { fields: Object.keys(input) } });
    return share;
  }

  async remove(actor: string, id: string): Promise<void> {
    if (!(await this.shares.delete(id))) throw new NotFoundException(`Share ${id} does not exist`);
    await this.audit.record({ actor, action: 'share.deleted', target: `share:${id}` });
  }

  private async requireClient(clientId: string): Promise<void> {
    if (!(await this.clients.findById(clientId))) throw new NotFoundException(`Client ${clientId} does not exist`);
  }
}
