import type { Prng } from './prng';

/** Family names as found in French registries: accents, particles, apostrophes, compound (hyphenated) names. */
const FAMILY = [
  'Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Bonnet', 'Mercier', 'Faure', 'Rousseau',
  'Lemaître', 'Gérard', 'Bénard', 'Hébert', 'Le Goff', 'Le Bihan', 'Da Silva', 'Dos Santos', "N'Diaye",
  "D'Almeida", 'Etcheverry', 'Larrieu', 'Castaing', 'Dupré', 'Chênevert', 'Prévost', 'Bréhier', 'Ménard',
  'Nguyen', 'Benali', 'Haddad', 'Müller', 'Óscar-Pérez', 'Saint-Exupéry', 'Garnier-Lacoste', 'Abadie',
  'Laborde', 'Lafitte', 'Élie', 'Œttinger',
] as const;

const MALE = [
  'Jean', 'Pierre', 'Jean-Pierre', 'Jean-François', 'Loïc', 'Jérôme', 'François', 'Noël', 'Hervé', 'Gaël',
  'Benoît', 'Étienne', 'Théo', 'Mathéo', 'Raphaël', 'Anaël', 'Joël', 'Marc-Antoine', 'Côme', 'Aurélien',
] as const;

const FEMALE = [
  'Marie', 'Anne-Sophie', 'Élodie', 'Hélène', 'Zoé', 'Maëlle', 'Gaëlle', 'Cécile', 'Françoise', 'Noémie',
  'Marie-Thérèse', 'Chloé', 'Léa', 'Inès', 'Anaïs', 'Béatrice', 'Agnès', 'Mélanie', 'Clémence', 'Ève',
] as const;

export interface PersonName {
  family: string;
  /** Birth given names in order; the first is the INS "premier prénom". */
  given: string[];
  /** A used name (nom d'usage), e.g. after marriage, when different from the birth name. */
  usedFamily?: string;
}

export function personName(prng: Prng, sex: 'male' | 'female'): PersonName {
  const pool = sex === 'male' ? MALE : FEMALE;
  const count = prng.int(1, 3);
  const given: string[] = [];
  while (given.length < count) {
    const name = prng.pick(pool);
    if (!given.includes(name)) given.push(name);
  }
  let family: string = prng.pick(FAMILY);
  if (prng.chance(0.1)) family = `${family}-${prng.pick(FAMILY)}`;
  const usedFamily = sex === 'female' && prng.chance(0.3) ? prng.pick(FAMILY) : undefined;
  return { family, given, usedFamily: usedFamily !== family ? usedFamily : undefined };
}

/** RNIV practice for strict traits: upper case, no diacritics, ligatures expanded. */
export function insForm(text: string): string {
  return text
    .replace(/œ/g, 'oe')
    .replace(/Œ/g, 'OE')
    .replace(/æ/g, 'ae')
    .replace(/Æ/g, 'AE')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase();
}

export const CITIES = [
  { city: 'Bordeaux', postalCode: '33000' },
  { city: 'Mérignac', postalCode: '33700' },
  { city: 'Pessac', postalCode: '33600' },
  { city: 'Pau', postalCode: '64000' },
  { city: 'Bayonne', postalCode: '64100' },
  { city: 'Mont-de-Marsan', postalCode: '40000' },
  { city: 'Périgueux', postalCode: '24000' },
  { city: 'Agen', postalCode: '47000' },
  { city: 'Limoges', postalCode: '87000' },
  { city: 'Poitiers', postalCode: '86000' },
  { city: 'La Rochelle', postalCode: '17000' },
  { city: 'Saint-Jean-de-Luz', postalCode: '64500' },
] as const;

export const STREETS = ['rue des Écoles', 'avenue de la Libération', 'cours de l’Intendance', 'place Saint-Michel', 'allée des Chênes', 'rue du Général-de-Gaulle'] as const;
