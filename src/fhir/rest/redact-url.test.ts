import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('keeps a token\'s system and redacts its value, encoded or not', () => {
    expect(redactUrl('/fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|255081416802538&_count=5'))
      .toBe('/fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|[redacted]&_count=5');
    expect(redactUrl('/fhir/Patient?identifier=urn%3Aoid%3A1.2.250.1.213.1.4.8%7C255081416802538'))
      .toBe('/fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|[redacted]');
    expect(redactUrl('/fhir/Patient?identifier=IPP-0042,x|IPP-7')).toBe('/fhir/Patient?identifier=[redacted],x|[redacted]');
  });

  it('redacts names, birth dates and chained or modified identifying parameters, and nothing else', () => {
    expect(redactUrl('/fhir/Patient?family:exact=Dupont&given=Anne&birthdate=1980-01-02&gender=female'))
      .toBe('/fhir/Patient?family:exact=[redacted]&given=[redacted]&birthdate=[redacted]&gender=female');
    expect(redactUrl('/fhir/ImagingStudy?subject:Patient.identifier=s|IPP-9&patient.name=Durand&modality=CT'))
      .toBe('/fhir/ImagingStudy?subject:Patient.identifier=s|[redacted]&patient.name=[redacted]&modality=CT');
    expect(redactUrl('/fhir/Patient?_has:Observation:patient:identifier=s|v')).toBe('/fhir/Patient?_has:Observation:patient:identifier=s|[redacted]');
    expect(redactUrl('/fhir/Patient/abc/_history/2')).toBe('/fhir/Patient/abc/_history/2');
  });

  it('redacts an INS-shaped number anywhere else, Corsica included', () => {
    expect(redactUrl('/fhir/Patient?_id=1 85 02 2A 005 001 03')).not.toMatch(/005/);
    expect(redactUrl('/fhir/Observation?value-string=185022A00500103')).toBe('/fhir/Observation?value-string=[redacted]');
    expect(redactUrl('/fhir/Observation?foo=x%7C255081416802538')).toBe('/fhir/Observation?foo=x%7C[redacted]');
  });
});
