import { NotFoundException } from '@nestjs/common';
import type { AuditLogRepository, EntityRepository } from '@backtrac/catalog';
import type { DeepPartial, FindOptionsOrder, ObjectLiteral } from 'typeorm';

/** List/get/create/update/delete of one catalog entity, each change written to the audit log. */
export abstract class AuditedCrudService<T extends ObjectLiteral & { id: string }> {
  protected constructor(
    private readonly repository: EntityRepository<T>,
    private readonly audit: AuditLogRepository,
    /** Singular noun used in messages and audit actions, e.g. "client". */
    private readonly noun: string,
    private readonly order: FindOptionsOrder<T>,
  ) {}

  list(): Promise<T[]> {
    return this.repository.list(this.order);
  }

  async get(id: string): Promise<T> {
    const row = await this.repository.findById(id);
    if (!row) throw this.notFound(id);
    return row;
  }

  async create(actor: string, input: DeepPartial<T>): Promise<T> {
    await this.validate(input);
    const row = await this.repository.create(input);
    await this.audit.record({ actor, action: `${this.noun}.created`, target: `${this.noun}:${row.id}` });
    return row;
  }

  async update(actor: string, id: string, input: DeepPartial<T>): Promise<T> {
    await this.validate({ ...(await this.get(id)), ...input });
    const row = await this.repository.update(id, input);
    if (!row) throw this.notFound(id);
    await this.audit.record({ actor, action: `${this.noun}.updated`, target: `${this.noun}:${id}`, details: { fields: Object.keys(input) } });
    return row;
  }

  async remove(actor: string, id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw this.notFound(id);
    await this.audit.record({ actor, action: `${this.noun}.deleted`, target: `${this.noun}:${id}` });
  }

  /**
   * Cross-field checks beyond what the DTO validates; throws BadRequestException. Receives the
   * new row on create and the existing row merged with the changes on update.
   */
  protected async validate(_row: DeepPartial<T>): Promise<void> {}

  private notFound(id: string): NotFoundException {
    const label = this.noun.charAt(0).toUpperCase() + this.noun.slice(1).replaceAll('-', ' ');
    return new NotFoundException(`${label} ${id} does not exist`);
  }
}
