import { randomBytes } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { AuthenticatedUser } from '../contracts';

export const LAUNCH_SPACE = 'ehr-launch';
/** SMART: the launch value is short-lived; five minutes covers the app's start and the user's sign-in. */
export const LAUNCH_SECONDS = 300;

/** What an EHR registered before launching an app (SMART EHR launch). */
export interface LaunchContext {
  /** The EHR client that registered it (audited as the launching application). */
  readonly ehrClientId: string;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirContext?: readonly object[];
  /** The user signed in at the EHR; carried into the token only for apps configured to accept it. */
  readonly user?: AuthenticatedUser;
  /** The app the launch is for, when the EHR named one: any other client is refused. */
  readonly appClientId?: string;
  readonly needPatientBanner?: boolean;
}

export interface LaunchContexts {
  /** Stores the context: the opaque `launch` value the EHR passes to the app. */
  register(context: LaunchContext): Promise<string>;
  /** The context of a launch value, consumed: a second use, or an expired value, gives undefined. */
  consume(launch: string): Promise<LaunchContext | undefined>;
}

export function createLaunchContexts(state: StateStore, clock: Clock): LaunchContexts {
  return {
    async register(context) {
      const launch = randomBytes(24).toString('base64url');
      await state.put(LAUNCH_SPACE, launch, { ...context }, clock.now().getTime() + LAUNCH_SECONDS * 1000);
      return launch;
    },
    async consume(launch) {
      if (!/^[A-Za-z0-9_-]{16,128}$/.test(launch)) return undefined;
      const value = await state.get(LAUNCH_SPACE, launch);
      // delete is the single-use step: of two authorize requests presenting it, one removes it.
      if (!value || !(await state.delete(LAUNCH_SPACE, launch))) return undefined;
      return value as unknown as LaunchContext;
    },
  };
}
