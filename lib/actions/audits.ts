'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { enumValues } from '@/lib/db/enum-values';
import { AuditStatus } from '@/lib/db/generated/enums';
import { createAuditInputSchema } from '@/lib/audit/config';
import { createAudit, setAuditStatus } from '@/lib/audit/create';
import { claimNextItem, submitLabel, submitLabelSchema, undoLastLabel } from '@/lib/audit/review';

const auditIdSchema = z.object({ auditId: z.string().min(1).max(100) });

export const createAuditAction = authorizedAction('audits:write', createAuditInputSchema, async (input, user) => {
  const created = await createAudit(input, { id: user.id, email: user.email });
  revalidatePath('/audits');
  return created;
});

export const setAuditStatusAction = authorizedAction('audits:write', auditIdSchema.extend({ status: z.enum(enumValues(AuditStatus)) }), async ({ auditId, status }, user) => {
  await setAuditStatus(auditId, status, { id: user.id, email: user.email });
  revalidatePath(`/audits/${auditId}`);
  revalidatePath('/audits');
  return { status };
});

export const claimNextItemAction = authorizedAction('audits:review', auditIdSchema, async ({ auditId }, user) => claimNextItem(auditId, user.id));

/** Saves the answer and hands out the next item in the same round trip. */
export const submitLabelAction = authorizedAction('audits:review', submitLabelSchema, async (input, user) => {
  const answered = await submitLabel(input, { id: user.id, email: user.email });
  const next = await claimNextItem(input.auditId, user.id);
  return { answered, next };
});

export const undoLabelAction = authorizedAction('audits:review', auditIdSchema, async ({ auditId }, user) => undoLastLabel(auditId, { id: user.id, email: user.email }));
