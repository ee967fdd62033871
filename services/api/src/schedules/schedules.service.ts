import { BadRequestException, Injectable } from '@nestjs/common';
import { AuditLogRepository, type Schedule, ScheduleRepository } from '@backtrac/catalog';
import type { DeepPartial } from 'typeorm';
import { AuditedCrudService } from '../common/audited-crud.service.js';

@Injectable()
export class SchedulesService extends AuditedCrudService<Schedule> {
  constructor(schedules: ScheduleRepository, audit: AuditLogRepository) {
    super(schedules, audit, 'schedule', { name: 'ASC' });
  }

  protected override async validate(row: DeepPartial<Schedule>): Promise<void> {
    const hasStart = row.windowStart != null;
    const hasEnd = row.windowEnd != null;
    if (hasStart !== hasEnd) {
      throw new BadRequestException('windowStart and windowEnd must be set together (a window may cross midnight, e.g. 22:00 to 06:00)');
    }
    if (row.windowStart && row.windowStart === row.windowEnd) {
      throw new BadRequestException('windowStart and windowEnd must differ; leave both empty for "any time"');
    }
  }
}
