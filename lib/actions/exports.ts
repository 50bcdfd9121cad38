'use server';

import { revalidatePath } from 'next/cache';

import { authorizedAction } from '@/lib/actions/authorized-action';
import { evalCardSection } from '@/lib/eval/report';
import { createBundleExport } from '@/lib/exporters/jobs';
import { previewSelection } from '@/lib/exporters/preview';
import { bundleRequestSchema, exportSelectionSchema } from '@/lib/exporters/request';

/** How many rows a selection holds, after dedup and with its split, before exporting. */
export const previewExportAction = authorizedAction('exports:read', exportSelectionSchema, async (selection) => previewSelection(selection));

/** Writes a bundle: at once when small, in the background over 100,000 rows (the list polls it). */
export const createExportAction = authorizedAction('exports:write', bundleRequestSchema, async (request, user) => {
  const created = await createBundleExport(request, { id: user.id, email: user.email }, { cardSections: { evaluation: evalCardSection } });
  revalidatePath('/exports');
  return created;
});
