import { Injectable } from '@nestjs/common';
import { AuditLogRepository, type Client, ClientRepository } from '@backtrac/catalog';
import { AuditedCrudService } from '../common/audited-crud.service.js';

@Injectable()
export class ClientsService extends AuditedCrudService<Client> {
  constructor(clients: ClientRepository, audit: AuditLogRepository) {
    super(clients, audit, 'client', { name: 'ASC' });
  }
}
