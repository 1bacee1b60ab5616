import type { Bundle } from '@medplum/fhirtypes';
import { patientRecordEntries } from './patient-record';
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
  conditionalPatient: boolean;
}

export const defaultDatasetOptions: DatasetOptions = {
  seed: 20240611,
  patients: 1000,
  patientsPerBundle: 10,
  facilities: 6,
  practitionersPerFacility: 5,
  encounters: [1, 3],
  conditionalPatient: false,
};

/**
 * A deterministic synthetic data set: one reference-data transaction (facilities, PACS endpoints, staff),
 * then patient transactions produced lazily, so that large sets never sit in memory at once.
 */
export class Dataset {
  readonly options: DatasetOptions;
  readonly facilities: Facility[];

  constructor(options: Partial<DatasetOptions> = {}) {
    this.options = { ...defaultDatasetOptions, ...options };
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
            conditionalPatient: this.options.conditionalPatient,
          }),
        );
      }
      yield { resourceType: 'Bundle', type: 'transaction', entry };
    }
  }
}
