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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calls a CityAssist persisted operation by its hash, using only the JDK (java.net.http).
 *
 * <p>The operation's id comes from the persisted-documents manifest the repository generates
 * (packages/client/src/generated/persisted-documents.json); the document text itself never
 * leaves the server, which in production runs nothing else.
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

  static String body(String documentId, String variablesJson) {
    return "{\"documentId\":\"" + documentId + "\",\"variables\":" + variablesJson + "}";
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    String url = "http://127.0.0.1:4000/graphql";
    String manifestPath = "packages/client/src/generated/persisted-documents.json";
    String operation = "ZoneAt";
    String variables = "{\"lat\":-7.9928,\"lon\":-34.8617}";
    String apiKey = System.getenv("CITYASSIST_API_KEY");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--url" -> url = args[i + 1];
        case "--manifest" -> manifestPath = args[i + 1];
        case "--operation" -> operation = args[i + 1];
        case "--variables" -> variables = args[i + 1];
        case "--api-key" -> apiKey = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }

    String manifest = Files.readString(Path.of(manifestPath), StandardCharsets.UTF_8);
    String documentId = documentIdFor(manifest, operation);

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
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());

    System.out.println(response.body());
    // A GraphQL error still answers 200; a client must look at "errors" as well as the status.
    boolean failed = response.statusCode() >= 400 || response.body().contains("\"errors\"");
    System.exit(failed ? 1 : 0);
  }
}
