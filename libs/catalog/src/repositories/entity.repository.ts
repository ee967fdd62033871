import type { DataSource, DeepPartial, EntityTarget, FindOptionsOrder, ObjectLiteral, Repository } from 'typeorm';

/** Plain id-keyed reads and writes shared by the catalog's concrete repositories. */
export abstract class EntityRepository<T extends ObjectLiteral & { id: string }> {
  protected readonly repo: Repository<T>;

  protected constructor(dataSource: DataSource, target: EntityTarget<T>) {
    this.repo = dataSource.getRepository(target);
  }

  findById(id: string): Promise<T | null> {
    return this.repo.findOneBy({ id } as never);
  }

  list(order: FindOptionsOrder<T>): Promise<T[]> {
    return this.repo.find({ order });
  }

  async create(values: DeepPartial<T>): Promise<T> {
    return this.repo.save(this.repo.create(values));
  }

  /** Applies the changes and returns the updated row, or null when there is no such row. */
  async update(id: string, changes: DeepPartial<T>): Promise<T | null> {
    const existing = await this.findById(id);
    if (!existing) return null;
    return this.repo.save(this.repo.merge(existing, changes));
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete(id);
    return (result.affected ?? 0) > 0;
  }
}
