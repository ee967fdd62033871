import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditLogRepository, ClientRepository } from '@backtrac/catalog';
import { fsck, gc, type FsckReport, type GcReport, type HardlinkStore, verify, type VerifyReport } from '@backtrac/store';
import { CatalogSyncService } from '../backup/catalog-sync.service.js';
import { STORE } from '../backup/copy-worker.tokens.js';
import { StoreGuardRepository } from '../backup/store-guard.repository.js';

export interface RebuildReport {
  clients: number;
  snapshots: number;
  clientsCreated: number;
}

/** Store upkeep (gc, fsck, verify) and rebuilding the catalog from the store's manifests. */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    @Inject(STORE) private readonly store: HardlinkStore,
    private readonly clients: ClientRepository,
    private readonly catalogSync: CatalogSyncService,
    private readonly audit: AuditLogRepository,
    private readonly storeGuard: StoreGuardRepository,
  ) {}

  async gc(signal?: AbortSignal): Promise<GcReport> {
    const release = await this.storeGuard.exclusiveForGc(signal);
    let report: GcReport;
    try {
      report = await gc(this.store);
    } finally {
      await release();
    }
    await this.audit.record({ actor: 'system', action: 'store.gc', details: { ...report } });
    return report;
  }

  async fsck(): Promise<FsckReport> {
    const report = await fsck(this.store);
    await this.audit.record({ actor: 'system', action: 'store.fsck', details: { ok: report.ok, issues: report.issues.length } });
    return report;
  }

  async verify(fraction: number): Promise<VerifyReport> {
    const report = await verify(this.store, { fraction });
    if (report.corrupt.length > 0) this.logger.error(`verify found ${report.corrupt.length} corrupt pool files; they were quarantined and will be fetched again`);
    await this.audit.record({ actor: 'system', action: 'store.verify', details: { fraction, checked: report.checked, corrupt: report.corrupt.length } });
    return report;
  }

  /**
   * Catalogues every finished snapshot in the store that the catalog lacks. On an empty catalog
   * this rebuilds it entirely; clients it has never heard of are created with a placeholder name.
   */
  async rebuildCatalog(): Promise<RebuildReport> {
    const report: RebuildReport = { clients: 0, snapshots: 0, clientsCreated: 0 };
    for (const clientId of await this.store.listClients()) {
      report.clients++;
      if (!(await this.clients.findById(clientId))) {
        await this.clients.create({ id: clientId, name: `recovered-${clientId.slice(0, 8)}`, hostname: 'unknown', description: 'recreated from the store by rebuild-catalog' });
        report.clientsCreated++;
      }
      report.snapshots += (await this.catalogSync.reconcile(clientId, '')).catalogued;
    }
    await this.audit.record({ actor: 'system', action: 'catalog.rebuild', details: { ...report } });
    return report;
  }
}
