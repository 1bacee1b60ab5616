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
 * the R4 core. Prints each error and warning with its file; exits 1 when there is any error.
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

    PrePopulatedValidationSupport local = new PrePopulatedValidationSupport(ctx);
    List<String> texts = new ArrayList<>();
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      texts.add(text);
      IBaseResource resource = ctx.newJsonParser().parseResource(text);
      if (resource instanceof Bundle bundle) {
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) addConformance(local, e.getResource());
      } else {
        addConformance(local, resource);
      }
    }

    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        local,
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(module);

    int errors = 0;
    int warnings = 0;
    for (int i = 0; i < files.size(); i++) {
      ValidationResult result = validator.validateWithResult(texts.get(i));
      for (SingleValidationMessage m : result.getMessages()) {
        ResultSeverityEnum s = m.getSeverity();
        boolean error = s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL;
        if (error) errors++;
        else if (s == ResultSeverityEnum.WARNING) warnings++;
        else continue;
        System.out.printf("%s %s %s: %s%n", s.getCode().toUpperCase(), files.get(i), m.getLocationString(), m.getMessage());
      }
    }
    System.out.printf("HAPI FHIR validator: %d file(s), %d error(s), %d warning(s), %.1f s%n",
        files.size(), errors, warnings, (System.nanoTime() - start) / 1e9);
    System.exit(errors == 0 ? 0 : 1);
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
