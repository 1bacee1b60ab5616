import type { WebRequest } from '../../kernel/web-route';

export type Locale = 'fr' | 'en';

/** French first (the region's professionals and patients), English available. */
export const DEFAULT_LOCALE: Locale = 'fr';

/**
 * The page language: the authorization request's `ui_locales` (OpenID Connect) when it names one we have,
 * else the browser's Accept-Language, else French.
 */
export function pageLocale(request: Pick<WebRequest, 'headers'>, uiLocales?: string | null): Locale {
  for (const tag of (uiLocales ?? '').split(/\s+/)) {
    const lang = tag.slice(0, 2).toLowerCase();
    if (lang === 'fr' || lang === 'en') return lang;
  }
  const accepted = (request.headers['accept-language'] ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: tag.slice(0, 2).toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((a) => a.lang === 'fr' || a.lang === 'en')
    .sort((a, b) => b.q - a.q);
  return (accepted[0]?.lang as Locale | undefined) ?? DEFAULT_LOCALE;
}

const FR = {
  signInTitle: 'Connexion à Lucarne',
  signInLead: (app: string) => `L'application « ${app} » demande l'accès à des dossiers d'imagerie. Connectez-vous pour continuer.`,
  username: "Nom d'utilisateur",
  password: 'Mot de passe',
  signIn: 'Se connecter',
  signInFailed: "Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement bloqué après trop d'échecs.",
  upstream: 'Se connecter avec Pro Santé Connect',
  or: 'ou',
  pickerTitle: 'Choisir un patient',
  pickerLead: (app: string) => `Choisissez le patient dont « ${app} » ouvrira le dossier d'imagerie. Seuls les patients que vous prenez en charge sont proposés.`,
  search: 'Rechercher (nom, INS, IPP)',
  searchButton: 'Rechercher',
  noPatient: 'Aucun patient trouvé parmi ceux que vous prenez en charge.',
  notLinked: "Votre compte n'est associé à aucun professionnel ni patient : aucun dossier ne peut être ouvert.",
  born: 'né(e) le',
  consentTitle: "Autoriser l'accès",
  consentLead: (app: string, user: string) => `${user}, l'application « ${app} » demande les accès suivants :`,
  consentPatient: 'Patient concerné :',
  approve: 'Autoriser',
  deny: 'Refuser',
  errorTitle: 'Demande refusée',
  errorLead: "La demande d'autorisation n'a pas pu aboutir :",
  signedInAs: 'Connecté en tant que',
} as const;

type Messages = { readonly [K in keyof typeof FR]: (typeof FR)[K] extends (...args: infer A) => string ? (...args: A) => string : string };

const EN: Messages = {
  signInTitle: 'Sign in to Lucarne',
  signInLead: (app) => `The application “${app}” asks to access imaging records. Sign in to continue.`,
  username: 'User name',
  password: 'Password',
  signIn: 'Sign in',
  signInFailed: 'Wrong user name or password, or the account is locked for a while after too many failures.',
  upstream: 'Sign in with Pro Santé Connect',
  or: 'or',
  pickerTitle: 'Choose a patient',
  pickerLead: (app) => `Choose the patient whose imaging record “${app}” will open. Only the patients in your care are listed.`,
  search: 'Search (name, INS, IPP)',
  searchButton: 'Search',
  noPatient: 'No patient found among those in your care.',
  notLinked: 'Your account is linked to no professional and no patient: no record can be opened.',
  born: 'born',
  consentTitle: 'Allow access',
  consentLead: (app, user) => `${user}, the application “${app}” asks for this access:`,
  consentPatient: 'Patient:',
  approve: 'Allow',
  deny: 'Deny',
  errorTitle: 'Request refused',
  errorLead: 'The authorization request could not be completed:',
  signedInAs: 'Signed in as',
};

export function messages(locale: Locale): Messages {
  return locale === 'en' ? EN : FR;
}
