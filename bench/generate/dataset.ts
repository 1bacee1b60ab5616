import type { Bundle } from '@medplum/fhirtypes';
import { patientRecordEntries, startOfTodayUtc } from './patient-record';
import { Prng } from './prng';
import { makeFacilities, referenceDataBundle, type Facility } from './reference-data';

export interface DatasetOptions {
  seed: number;
  patients: number;
  /** Patients per transaction Bundle. */
  patientsPerBundle: number;
  facilities: number;
  practitionersPerFacility: number;
  encounters: [number, number];
  /** Conditional creates (If-None-Exist on INS, accession number, identifiers): re-importing adds nothing. */
  conditional: boolean;
  /** Last possible visit date; visits span the six years before it (default: today, 00:00 UTC). */
  until?: Date;
}

export const defaultDatasetOptions: DatasetOptions = {
  seed: 20240611,
  patients: 1000,
  patientsPerBundle: 10,
  facilities: 6,
  practitionersPerFacility: 5,
  encounters: [1, 3],
  conditional: false,
};

/**
 * A deterministic synthetic data set: one reference-data transaction (facilities, PACS endpoints, staff),
 * then patient transactions produced lazily, so that large sets never sit in memory at once.
 */
export class Dataset {
  readonly options: DatasetOptions;
  readonly facilities: Facility[];
  /** Fixed when the data set is made, so that every patient of it sees the same last visit date. */
  private readonly until: Date;

  constructor(options: Partial<DatasetOptions> = {}) {
    this.options = { ...defaultDatasetOptions, ...options };
    this.until = this.options.until ?? startOfTodayUtc();
    this.facilities = makeFacilities(new Prng(this.options.seed), this.options.facilities, this.options.practitionersPerFacility);
  }

  referenceBundle(): Bundle {
    return referenceDataBundle(this.facilities);
  }

  *patientBundles(): Generator<Bundle> {
    // A second stream, so that changing the facility count does not shift every patient.
    const prng = new Prng(this.options.seed ^ 0x5eed);
    const { patients, patientsPerBundle } = this.options;
    for (let first = 0; first < patients; first += patientsPerBundle) {
      const count = Math.min(patientsPerBundle, patients - first);
      const entry = [];
      for (let i = 0; i < count; i++) {
        entry.push(
          ...patientRecordEntries(prng, this.facilities, {
            encounters: this.options.encounters,
            conditional: this.options.conditional,
            until: this.until,
            serial: first + i,
          }),
        );
      }
      yield { resourceType: 'Bundle', type: 'transaction', entry };
    }
  }
}
