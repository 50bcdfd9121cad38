import type { Metadata } from 'next';

import { UploadForm } from '@/components/imports/upload-form';
import { Card, PageHeader } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';
import { maxUploadBytes } from '@/lib/importers/uploads';

export const metadata: Metadata = { title: 'Import a file' };

export default async function NewImportPage() {
  await requirePageUser('corpora:write');
  return (
    <>
      <PageHeader
        title="Import a file"
        description="Upload source texts for a corpus, or a file of preference pairs. The next step shows the first rows and lets you say which column is what. For files on the server, use `npm run import -- <file>`."
      />
      <Card>
        <UploadForm maxBytes={maxUploadBytes} />
      </Card>
    </>
  );
}
