import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import codeSystemJson from '../../terminology/codesystem-ccam-imaging.json';

const codeSystem = codeSystemJson as CodeSystem;
const DECISION = 'Décision ASN 2019-DC-0667';

/**
 * The exams of the French diagnostic reference levels (décision ASN n° 2019-DC-0667, homologated by the arrêté
 * of 23 May 2019) that Lucarne maps, with the CCAM acts that perform them. Table 2.1 is named as the JORF text
 * has it; the other exams by their annex. An exam missing here is listed in terminology/README.md.
 */
const NRD_EXAMS: Record<string, string[]> = {
  'tableau 2.1 (radiologie, adulte) : Thorax de face (postéro-antérieur)': ['ZBQK002'],
  'tableau 2.1 (radiologie, adulte) : Thorax de profil': ['ZBQK002'],
  'tableau 2.1 (radiologie, adulte) : Abdomen sans préparation': ['ZCQK002'],
  'tableau 2.1 (radiologie, adulte) : Bassin de face (antéro-postérieur)': ['NAQK015', 'NAQK007'],
  'tableau 2.1 (radiologie, adulte) : Hanche': ['NEQK010', 'NEQK035'],
  'tableau 2.1 (radiologie, adulte) : Rachis cervical': ['LDQK001', 'LDQK002'],
  'tableau 2.1 (radiologie, adulte) : Rachis dorsal de face': ['LEQK001'],
  'tableau 2.1 (radiologie, adulte) : Rachis dorsal de profil': ['LEQK001'],
  'tableau 2.1 (radiologie, adulte) : Rachis lombaire de face': ['LFQK002', 'LFQK001'],
  'tableau 2.1 (radiologie, adulte) : Rachis lombaire de profil': ['LFQK002', 'LFQK001'],
  'tableau 2.1 (radiologie, adulte) : Orthopantomographie': ['HBQK002'],
  'annexe 2 (radiologie pédiatrique) : Thorax de face': ['ZBQK002'],
  'annexe 2 (radiologie pédiatrique) : Abdomen sans préparation': ['ZCQK002'],
  'annexe 2 (radiologie pédiatrique) : Bassin de face': ['NAQK015'],
  'annexe 2 (mammographie) : Mammographie': ['QEQK001', 'QEQK004', 'QEQK005'],
  'annexe 3 (scanographie, adulte) : Encéphale': ['ACQK001', 'ACQH003'],
  'annexe 3 (scanographie, adulte) : Sinus (massif facial)': ['LAQK013'],
  'annexe 3 (scanographie, adulte) : Rachis lombaire': ['LHQK001', 'LHQH006'],
  'annexe 3 (scanographie, adulte) : Thorax': ['ZBQK001', 'ZBQH001'],
  'annexe 3 (scanographie, adulte) : Abdomen-pelvis': ['ZCQK004', 'ZCQH001'],
  'annexe 3 (scanographie, adulte) : Thorax-abdomen-pelvis': ['ZZQK024', 'ZZQH033'],
  'annexe 3 (scanographie pédiatrique) : Encéphale': ['ACQK001', 'ACQH003'],
  'annexe 3 (scanographie pédiatrique) : Thorax': ['ZBQK001', 'ZBQH001'],
  'annexe 3 (scanographie pédiatrique) : Abdomen-pelvis': ['ZCQK004', 'ZCQH001'],
  'annexe 4 (pratiques interventionnelles radioguidées) : Coronarographie': ['DDQH009', 'DDQH012'],
  'annexe 4 (pratiques interventionnelles radioguidées) : Angioplastie coronaire': ['DDAF006', 'DDAF008'],
  'annexe 5 (médecine nucléaire) : Scintigraphie osseuse': ['PAQL003', 'PAQL002', 'PAQL006'],
  'annexe 5 (médecine nucléaire) : Scintigraphie thyroïdienne': ['KCQL003', 'KCQL001'],
  'annexe 5 (médecine nucléaire) : Scintigraphie parathyroïdienne': ['KDQL001'],
  'annexe 5 (médecine nucléaire) : Tomoscintigraphie de perfusion myocardique': ['DAQL009', 'DAQL011', 'DAQL010', 'DAQL001', 'DAQL014', 'DAQL003'],
  'annexe 5 (médecine nucléaire) : Scintigraphie pulmonaire de perfusion': ['GFQL007', 'GFQL005'],
  'annexe 5 (médecine nucléaire) : Scintigraphie pulmonaire de ventilation': ['GFQL004', 'GFQL001'],
  'annexe 5 (médecine nucléaire) : Scintigraphie rénale corticale (DMSA)': ['JAQL002'],
  'annexe 5 (médecine nucléaire) : Scintigraphie rénale dynamique': ['JAQL001', 'JAQL003'],
  'annexe 5 (médecine nucléaire) : Tomoscintigraphie cérébrale de perfusion': ['ACQL007'],
  'annexe 5 (médecine nucléaire) : Tomoscintigraphie cérébrale des transporteurs de la dopamine': ['ACQL001'],
  'annexe 5 (médecine nucléaire) : Scintigraphie aux analogues de la somatostatine': ['KZQL003', 'KZQL004'],
  'annexe 5 (médecine nucléaire) : Scintigraphie à la MIBG': ['KEQL001'],
  'annexe 5 (médecine nucléaire) : Lymphoscintigraphie (ganglion sentinelle)': ['FCQL001', 'ZZQL013'],
  'annexe 5 (médecine nucléaire) : Ventriculographie isotopique': ['DAQL008', 'DAQL015'],
  'annexe 5 (médecine nucléaire) : Scintigraphie aux polynucléaires marqués': ['ZZQL006', 'ZZQL011'],
  'annexe 5 (médecine nucléaire) : TEP au 18F-FDG corps entier (et sa partie scanographique)': ['ZZQL016'],
  'annexe 5 (médecine nucléaire) : TEP cérébrale': ['ACQL002'],
};

function allConcepts(concepts: CodeSystemConcept[] = []): CodeSystemConcept[] {
  return concepts.flatMap((c) => [c, ...allConcepts(c.concept)]);
}

const concepts = allConcepts(codeSystem.concept);
const byCode = new Map(concepts.map((c) => [c.code, c]));
const values = (c: CodeSystemConcept | undefined, property: string) =>
  (c?.property ?? []).filter((p) => p.code === property).map((p) => p.valueString);

describe('CCAM imaging fragment and the French diagnostic reference levels (NRD)', () => {
  it('declares the nrd property, and its count is the number of concepts, each code once', () => {
    expect(codeSystem.property?.find((p) => p.code === 'nrd')).toMatchObject({ type: 'string' });
    expect(codeSystem.count).toBe(concepts.length);
    expect(byCode.size).toBe(concepts.length);
  });

  it.each(Object.entries(NRD_EXAMS))('NRD exam %s has its acts in the fragment, each naming the exam', (exam, codes) => {
    for (const code of codes) {
      const concept = byCode.get(code);
      expect([code, concept?.display]).toEqual([code, expect.any(String)]);
      expect([code, values(concept, 'notSelectable')]).toEqual([code, []]);
      expect([code, values(concept, 'nrd')]).toEqual([code, expect.arrayContaining([`${DECISION}, ${exam}`])]);
    }
  });

  it('names no NRD exam that the table above does not list (a concept and the table cannot drift apart)', () => {
    const named = new Set(concepts.flatMap((c) => values(c, 'nrd')));
    expect([...named].sort()).toEqual(Object.keys(NRD_EXAMS).map((e) => `${DECISION}, ${e}`).sort());
    const stray = concepts.flatMap((c) =>
      values(c, 'nrd')
        .filter((exam) => !NRD_EXAMS[exam!.slice(DECISION.length + 2)]?.includes(c.code!))
        .map((exam) => `${c.code} ${exam}`),
    );
    expect(stray).toEqual([]);
  });

  it('gives every concept a source its code and label were checked against', () => {
    expect(concepts.filter((c) => !values(c, 'source').some((s) => s && s.length > 20)).map((c) => c.code)).toEqual([]);
  });
});
