import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';

import { ImportProgress } from '@/components/imports/import-progress';
import { MappingForm } from '@/components/imports/mapping-form';
import { RowErrorReport } from '@/components/imports/row-error-report';
import { Card, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { listCorpusNames } from '@/lib/importers/corpora';
import { getImportView, listRowErrors, previewPendingImport } from '@/lib/importers/jobs/queries';
import { csvDelimiters, importFormats } from '@/lib/importers/types';

export const metadata: Metadata = { title: 'Import' };

const previewParams = z.object({
  format: z.enum(importFormats).optional().catch(undefined),
  delimiter: z.enum(csvDelimiters).optional().catch(undefined),
  errorsAfter: z.string().regex(/^\d{1,19}$/).optional().catch(undefined),
});

export default async function ImportPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('corpora:read');
  const { id } = await params;
  const raw = await searchParams;
  const query = previewParams.parse({ format: raw.format, delimiter: raw.delimiter, errorsAfter: raw.errorsAfter });
  const view = await getImportView(id);
  if (!view) notFound();
  const canWrite = can(user.role, 'corpora:write');
  const back = (
    <Link href="/corpora" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
      ← Corpora
    </Link>
  );

  if (view.status === 'PENDING' && canWrite) {
    const [{ preview, error: previewError }, corpora] = await Promise.all([
      previewPendingImport(id, { declaredFormat: query.format, delimiter: query.delimiter }),
      listCorpusNames(),
    ]);
    return (
      <>
        <PageHeader title={`Map the columns of ${view.fileName}`} description="Nothing is stored until you start the import. The whole file is checked first; file problems stop it before any row is written." actions={back} />
        <MappingForm
          key={`${query.format ?? ''}:${query.delimiter ?? ''}`}
          importId={id}
          fileName={view.fileName}
          preview={preview}
          previewError={previewError}
          declaredFormat={query.format ?? null}
          declaredDelimiter={query.delimiter ?? null}
          corpora={corpora}
          blurHarmful={user.blurHarmful}
        />
      </>
    );
  }

  const report = await listRowErrors(id, { after: query.errorsAfter ? BigInt(query.errorsAfter) : null, limit: 50 });
  return (
    <>
      <PageHeader title={`Import of ${view.fileName}`} description={`Into the ${view.kind === 'dataset' ? 'preference dataset' : 'corpus'} “${view.target.name || '…'}”.`} actions={back} />
      <div className="space-y-6">
        <Card>
          <ImportProgress initial={view} canWrite={canWrite} />
        </Card>
        <Card title="Import report">
          <RowErrorReport importId={id} errors={report.errors} errorCount={view.errorCount} nextAfter={report.nextAfter} paged={Boolean(query.errorsAfter)} />
        </Card>
      </div>
    </>
  );
}
