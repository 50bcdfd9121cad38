import { withEvalRubrics } from '../eval-judge';
import { evalTargetRole } from '../eval-targets';
import { expertRole } from './expert';
import { judgeRole } from './judge';
import { reversedRole } from './reversed';
import { SIM_ROLES, type RoleImpl, type SimRole } from './types';

export { SIM_ROLES, type RoleImpl, type RoleRequest, type SimRole } from './types';

export const ROLE_IMPLS: Record<SimRole, RoleImpl> = {
  reversed: reversedRole,
  judge: withEvalRubrics(judgeRole),
  expert: expertRole,
  target: evalTargetRole,
};

/** Names listed by `GET /v1/models`; any other name containing a role word also works. */
export const SIMULATED_MODELS: Record<SimRole, string> = {
  reversed: 'sim-reversed',
  judge: 'sim-judge',
  expert: 'sim-expert',
  target: 'sim-target-base',
};

/** The role a model name asks for (`my-judge-v2` → judge), or null when it names none. */
export function resolveRole(model: string): SimRole | null {
  const lower = model.toLowerCase();
  return SIM_ROLES.find((role) => lower.includes(role)) ?? null;
}
