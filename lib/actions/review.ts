'use server';

import { authorizedAction } from '@/lib/actions/authorized-action';
import { addCommentSchema, changePairsSchema } from '@/lib/review/changes';
import { addPairComment, changePairs } from '@/lib/review/mutations';

/** Edits, verdict overrides, keep/drop and tags, on one pair or a selection. */
export const changePairsAction = authorizedAction('review:write', changePairsSchema, async ({ ids, change }, user) =>
  changePairs(
    ids.map((id) => BigInt(id)),
    change,
    user,
  ),
);

export const addCommentAction = authorizedAction('review:comment', addCommentSchema, async ({ pairId, body }, user) => addPairComment(BigInt(pairId), body, user));
