import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * Test infrastructure: validates every FHIR JSON file under the given folders with HAPI FHIR's R4 validator,
 * after loading all of them (profiles, terminology, search parameters, ...) as conformance resources beside
 * the R4 core. The StructureDefinitions directly in the first folder (Lucarne's profiles) are validated a
 * second time as a server does when they are uploaded: with a context that does not know them yet.
 * Prints each error and warning with its file; exits 1 when there is any error.
 */
public class HapiValidate {
  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    FhirContext ctx = FhirContext.forR4();
    List<Path> files = new ArrayList<>();
    for (String arg : args) {
      try (Stream<Path> walk = Files.walk(Path.of(arg))) {
        walk.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
      }
    }

    Path profilesDir = Path.of(args[0]);
    PrePopulatedValidationSupport all = new PrePopulatedValidationSupport(ctx);
    PrePopulatedValidationSupport withoutProfiles = new PrePopulatedValidationSupport(ctx);
    List<String> texts = new ArrayList<>();
    List<Integer> profiles = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      String text = Files.readString(files.get(i), StandardCharsets.UTF_8);
      texts.add(text);
      IBaseResource resource = ctx.newJsonParser().parseResource(text);
      boolean profile = resource instanceof StructureDefinition && profilesDir.equals(files.get(i).getParent());
      if (profile) profiles.add(i);
      if (resource instanceof Bundle bundle) {
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
          addConformance(all, e.getResource());
          addConformance(withoutProfiles, e.getResource());
        }
      } else {
        addConformance(all, resource);
        if (!profile) addConformance(withoutProfiles, resource);
      }
    }

    int[] counts = new int[2];
    FhirValidator validator = validator(ctx, all);
    for (int i = 0; i < files.size(); i++) report(validator, files.get(i), texts.get(i), "", counts);
    FhirValidator upload = validator(ctx, withoutProfiles);
    for (int i : profiles) report(upload, files.get(i), texts.get(i), " (as uploaded to a server that does not know it)", counts);
    System.out.printf("HAPI FHIR validator: %d file(s), %d error(s), %d warning(s), %.1f s%n",
        files.size(), counts[0], counts[1], (System.nanoTime() - start) / 1e9);
    System.exit(counts[0] == 0 ? 0 : 1);
  }

  private static FhirValidator validator(FhirContext ctx, PrePopulatedValidationSupport local) {
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        local,
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx));
    return ctx.newValidator().registerValidatorModule(new FhirInstanceValidator(chain));
  }

  /** Validates one file, prints its errors and warnings, adds them to counts (errors, warnings). */
  private static void report(FhirValidator validator, Path file, String text, String note, int[] counts) {
    ValidationResult result = validator.validateWithResult(text);
    for (SingleValidationMessage m : result.getMessages()) {
      ResultSeverityEnum s = m.getSeverity();
      if (s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL) counts[0]++;
      else if (s == ResultSeverityEnum.WARNING) counts[1]++;
      else continue;
      System.out.printf("%s %s%s %s: %s%n", s.getCode().toUpperCase(), file, note, m.getLocationString(), m.getMessage());
    }
  }

  private static void addConformance(PrePopulatedValidationSupport local, org.hl7.fhir.r4.model.Resource resource) {
    if (resource instanceof StructureDefinition || resource instanceof ValueSet || resource instanceof CodeSystem
        || resource.fhirType().equals("SearchParameter")) {
      local.addResource(resource);
    }
  }

  private static void addConformance(PrePopulatedValidationSupport local, IBaseResource resource) {
    addConformance(local, (org.hl7.fhir.r4.model.Resource) resource);
  }
}
