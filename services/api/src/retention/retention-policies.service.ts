import { BadRequestException, Injectable } from '@nestjs/common';
import { AuditLogRepository, type RetentionPolicy, RetentionPolicyRepository } from '@backtrac/catalog';
import type { DeepPartial } from 'typeorm';
import { AuditedCrudService } from '../common/audited-crud.service.js';

@Injectable()
export class RetentionPoliciesService extends AuditedCrudService<RetentionPolicy> {
  constructor(policies: RetentionPolicyRepository, audit: AuditLogRepository) {
    super(policies, audit, 'retention-policy', { name: 'ASC' });
  }

  /** A policy that keeps nothing would let prune delete all but the newest snapshot: refuse it. */
  protected override async validate(row: DeepPartial<RetentionPolicy>): Promise<void> {
    const counts = [row.keepLast, row.keepDaily, row.keepWeekly, row.keepMonthly, row.keepYearly, row.keepWithinDays];
    if (counts.every((value) => !value)) {
      throw new BadRequestException('A retention policy must keep something: set at least one of keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithinDays');
    }
  }
}
