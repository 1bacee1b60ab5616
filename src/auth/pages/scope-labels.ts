import { parseResourceScope } from '../scopes';
import type { Locale } from './messages';

const NAMED: Readonly<Record<string, { fr: string; en: string }>> = {
  openid: { fr: 'Connaître votre identité', en: 'Know who you are' },
  fhirUser: { fr: 'Connaître votre fiche de professionnel ou de patient', en: 'Know your professional or patient record' },
  profile: { fr: 'Connaître votre nom', en: 'Know your name' },
  launch: { fr: 'Recevoir le contexte du logiciel qui lance l’application', en: 'Receive the context of the software launching the app' },
  'launch/patient': { fr: 'Savoir quel patient est concerné', en: 'Know which patient is concerned' },
  'launch/encounter': { fr: 'Savoir quelle venue est concernée', en: 'Know which encounter is concerned' },
  offline_access: { fr: 'Garder l’accès après votre déconnexion', en: 'Keep access after you sign out' },
  online_access: { fr: 'Garder l’accès tant que vous êtes connecté', en: 'Keep access while you are signed in' },
};

const WHO = {
  patient: { fr: 'du patient concerné', en: 'of the patient concerned' },
  user: { fr: 'des patients auxquels vous avez accès', en: 'of the patients you may see' },
  system: { fr: 'de tous les patients', en: 'of every patient' },
} as const;

const LETTERS = {
  c: { fr: 'créer', en: 'create' },
  r: { fr: 'lire', en: 'read' },
  u: { fr: 'modifier', en: 'update' },
  d: { fr: 'supprimer', en: 'delete' },
  s: { fr: 'rechercher', en: 'search' },
} as const;

/** A granted scope in plain words, for the consent page (`patient/Observation.rs` → "lire, rechercher : Observation du patient concerné"). */
export function describeScope(scope: string, locale: Locale): string {
  const named = NAMED[scope];
  if (named) return named[locale];
  const grant = parseResourceScope(scope);
  if (typeof grant === 'string') return scope;
  const actions = (['c', 'r', 'u', 'd', 's'] as const).filter((l) => grant.permissions.has(l)).map((l) => LETTERS[l][locale]);
  const what = grant.type === '*' ? (locale === 'fr' ? 'toutes les données' : 'all data') : grant.type;
  const only = grant.restriction ? ` (${locale === 'fr' ? 'seulement' : 'only'} ${grant.restriction.toString()})` : '';
  return `${actions.join(', ')} : ${what} ${WHO[grant.context][locale]}${only}`;
}
