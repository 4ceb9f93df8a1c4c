package org.cityassist.example;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calls a CityAssist persisted operation by its hash, using only the JDK (java.net.http).
 *
 * <p>The operation's id comes from the persisted-documents manifest the repository generates
 * (packages/client/src/generated/persisted-documents.json); the document text itself never
 * leaves the server, which in production runs nothing else.
 *
 * <p>A report-creating operation (CreateReport, SubmitReport) is sent with an {@code
 * Idempotency-Key} header: a random UUID per logical create, or the one given with {@code
 * --idempotency-key}, and the same key on every retry of it. A call that timed out may still have
 * filed the report; the retry then answers with that report instead of filing a second one
 * (draft-ietf-httpapi-idempotency-key-header). Only such keyed calls and queries are retried.
 *
 * <pre>
 *   javac -d out src/org/cityassist/example/PersistedOperationClient.java
 *   java -cp out org.cityassist.example.PersistedOperationClient \
 *        --url http://127.0.0.1:4000/graphql --manifest ../../packages/client/src/generated/persisted-documents.json \
 *        --operation ZoneAt --variables '{"lat":-7.9928,"lon":-34.8617}' [--api-key ca_...]
 * </pre>
 */
public final class PersistedOperationClient {
  private PersistedOperationClient() {}

  /** The operations that file a report: each call gets an idempotency key. */
  static final Set<String> REPORT_CREATING = Set.of("CreateReport", "SubmitReport");

  /** Attempts of one logical call: the first and up to two retries. */
  static final int ATTEMPTS = 3;

  /** Finds the id ("sha256:...") of the named operation in the manifest. */
  static String documentIdFor(String manifest, String operation) {
    // Keys are "sha256:<hex>", values the document text, which starts with its type and name.
    Pattern entry =
        Pattern.compile(
            "\"(sha256:[0-9a-f]{64})\"\\s*:\\s*\"(?:query|mutation|subscription)\\s+"
                + Pattern.quote(operation)
                + "\\b");
    Matcher m = entry.matcher(manifest);
    if (!m.find()) {
      throw new IllegalArgumentException("no persisted operation named " + operation);
    }
    return m.group(1);
  }

  /** Whether the manifest's document for this id is a query (safe to retry without a key). */
  static boolean isQuery(String manifest, String documentId) {
    return Pattern.compile("\"" + Pattern.quote(documentId) + "\"\\s*:\\s*\"query\\b")
        .matcher(manifest)
        .find();
  }

  static String body(String documentId, String variablesJson) {
    return "{\"documentId\":\"" + documentId + "\",\"variables\":" + variablesJson + "}";
  }

  /**
   * The key as the header's value: an RFC 8941 String, as the draft's Syntax section asks, i.e.
   * in double quotes with {@code "} and {@code \} escaped. Keys are 1-255 printable ASCII characters.
   */
  static String idempotencyKeyHeader(String key) {
    if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
      throw new IllegalArgumentException("an idempotency key is 1-255 printable ASCII characters");
    }
    return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** A 502, 503 or 504: the gateway or a subgraph did not answer; the request may have run. */
  static boolean retryableStatus(int status) {
    return status == 502 || status == 503 || status == 504;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    String url = "http://127.0.0.1:4000/graphql";
    String manifestPath = "packages/client/src/generated/persisted-documents.json";
    String operation = "ZoneAt";
    String variables = "{\"lat\":-7.9928,\"lon\":-34.8617}";
    String apiKey = System.getenv("CITYASSIST_API_KEY");
    String idempotencyKey = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--url" -> url = args[i + 1];
        case "--manifest" -> manifestPath = args[i + 1];
        case "--operation" -> operation = args[i + 1];
        case "--variables" -> variables = args[i + 1];
        case "--api-key" -> apiKey = args[i + 1];
        case "--idempotency-key" -> idempotencyKey = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }

    String manifest = Files.readString(Path.of(manifestPath), StandardCharsets.UTF_8);
    String documentId = documentIdFor(manifest, operation);
    // One key per logical create, generated once: every retry below sends the same one.
    if (idempotencyKey == null && REPORT_CREATING.contains(operation)) {
      idempotencyKey = UUID.randomUUID().toString();
    }
    boolean retryable = idempotencyKey != null || isQuery(manifest, documentId);

    // HTTP/1.1: the JDK otherwise offers an h2c upgrade, which plain Node servers refuse.
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json, application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body(documentId, variables)));
    if (apiKey != null && !apiKey.isEmpty()) {
      request.header("x-api-key", apiKey);
    }
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKeyHeader(idempotencyKey));
      // On stderr, so stdout stays the response: log it to find the report again.
      System.err.println("Idempotency-Key: " + idempotencyKey);
    }

    HttpResponse<String> response = null;
    for (int attempt = 1; ; attempt++) {
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (!retryable || attempt == ATTEMPTS || !retryableStatus(response.statusCode())) break;
        System.err.println("attempt " + attempt + ": HTTP " + response.statusCode() + ", retrying");
      } catch (IOException e) {
        // A timeout or a dropped connection: the report may have been filed; the key says so.
        if (!retryable || attempt == ATTEMPTS) throw e;
        System.err.println("attempt " + attempt + ": " + e + ", retrying");
      }
      Thread.sleep(500L << (attempt - 1));
    }

    System.out.println(response.body());
    // A GraphQL error still answers 200; a client must look at "errors" as well as the status.
    boolean failed = response.statusCode() >= 400 || response.body().contains("\"errors\"");
    System.exit(failed ? 1 : 0);
  }
}
