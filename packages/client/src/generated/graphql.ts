/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> =
  T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** US EPA AQI category: Good 0–50, Moderate 51–100, Unhealthy for Sensitive Groups 101–150, Unhealthy 151–200, Very Unhealthy 201–300, Hazardous 301–500 (40 CFR 58 App. G, 2024 tables). */
export type AqiCategory =
  'GOOD' | 'HAZARDOUS' | 'MODERATE' | 'UNHEALTHY' | 'UNHEALTHY_FOR_SENSITIVE_GROUPS' | 'VERY_UNHEALTHY';

export type CreateReportInput = {
  category: ReportCategory;
  /** What is wrong, 1–2000 characters. */
  description: string;
  /** The Idempotency-Key header as an input field, for clients that cannot set headers (given both, they must be equal): 1–255 printable ASCII characters, e.g. a random UUID per report, sent again on each retry. A repeat within 24 hours answers with the first report and files none; the same key with a different request is IDEMPOTENCY_KEY_REUSED. */
  idempotencyKey?: string | null | undefined;
  /** Zone the report is about. */
  zoneId: string | number;
};

/** Row monitor: PSI below 0.1 is STABLE, from 0.1 WARNING, from 0.25 DRIFT (DRIFT_WARNING_PSI, DRIFT_PSI). Window monitor (docs/drift.md): WARNING while the judged window is beyond a threshold, DRIFT once the alarm is raised (consecutive windows beyond, or a static feature that differs from training). */
export type DriftLevel = 'DRIFT' | 'STABLE' | 'WARNING';

export type FeatureValueInput = {
  name: string;
  /** null = missing (the model routes it). */
  value?: number | null | undefined;
};

/** Banded flood probability; the bands are the model's `levels` in its metadata.json (docs/models.md). */
export type FloodLevel = 'HIGH' | 'LOW' | 'MODERATE' | 'SEVERE';

export type FloodPredictionInput = {
  /** Use the zone's stored features as of this time. Default: the newest. */
  at?: unknown;
  /** Values that replace the stored ones for this prediction only (what-if). Nothing is stored. */
  features?: Array<FeatureValueInput> | null | undefined;
  zoneId: string | number;
};

/** A WGS 84 point. */
export type LocationInput = {
  /** Latitude, -90–90. */
  lat: number;
  /** Longitude, -180–180. */
  lon: number;
};

/** What the citizen reports. */
export type ReportCategory = 'FALLEN_TREE' | 'FLOODING' | 'GARBAGE' | 'OTHER' | 'POTHOLE';

/** How soon the city should act, as suggested from the photo, category and flood risk. */
export type ReportPriority = 'CRITICAL' | 'HIGH' | 'LOW' | 'MEDIUM';

/** Where the report is in its workflow. */
export type ReportStatus = 'IN_PROGRESS' | 'OPEN' | 'REJECTED' | 'RESOLVED' | 'TRIAGED';

export type SubmitReportInput = {
  /** The citizen's category; omitted, the model's label decides. */
  category?: ReportCategory | null | undefined;
  /** What is wrong, 1–2000 characters. */
  description: string;
  /** The Idempotency-Key header as an input field, for clients that cannot set headers (given both, they must be equal): 1–255 printable ASCII characters, e.g. a random UUID per report, sent again on each retry. A repeat within 24 hours answers with the first report and files none; the same key with a different request is IDEMPOTENCY_KEY_REUSED. */
  idempotencyKey?: string | null | undefined;
  /** Where the problem is; its zone is the one containing it. */
  location: LocationInput;
};

export type CreateReportMutationVariables = Exact<{
  input: CreateReportInput;
}>;

export type CreateReportMutation = {
  createReport: {
    id: string;
    status: ReportStatus;
    createdAt: unknown;
    zone: { id: string; name: string } | null;
  };
};

export type SubmitReportMutationVariables = Exact<{
  input: SubmitReportInput;
  photo?: unknown;
}>;

export type SubmitReportMutation = {
  submitReport: {
    id: string;
    status: ReportStatus;
    category: ReportCategory;
    createdAt: unknown;
    suggestedPriority: ReportPriority | null;
    zone: { id: string; name: string } | null;
    photo: { contentType: string; width: number; height: number; byteSize: number } | null;
    triage: {
      label: string;
      confidence: number;
      suggestedPriority: ReportPriority;
      needsReview: boolean;
      floodLevel: string | null;
      scores: Array<{ label: string; score: number }>;
      model: { name: string; version: string };
      explanation: {
        heatmap: string | null;
        region: { x: number; y: number; width: number; height: number };
      };
    } | null;
  };
};

export type ZoneAtQueryVariables = Exact<{
  lat: number;
  lon: number;
}>;

export type ZoneAtQuery = {
  zoneAt: {
    id: string;
    name: string;
    neighbourhood: string;
    floodRisk: { score: number; level: FloodLevel } | null;
  } | null;
};

export type ZonesPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;

export type ZonesPageQuery = {
  zones: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{
      node: {
        id: string;
        name: string;
        neighbourhood: string;
        population: number;
        areaKm2: number;
        elevationMean: number;
      };
    }>;
  };
};

export type AllZonesFloodRiskQueryVariables = Exact<{ [key: string]: never }>;

export type AllZonesFloodRiskQuery = {
  zones: {
    totalCount: number;
    edges: Array<{
      node: {
        id: string;
        name: string;
        neighbourhood: string;
        elevationMean: number;
        lowLyingShare: number;
        floodRisk: {
          score: number;
          level: FloodLevel;
          asOf: unknown;
          model: { name: string; version: string };
        } | null;
      };
    }>;
  };
};

export type CityOutlookQueryVariables = Exact<{ [key: string]: never }>;

export type CityOutlookQuery = {
  zones: {
    totalCount: number;
    edges: Array<{
      node: {
        id: string;
        name: string;
        floodRisk: {
          probability: number;
          level: FloodLevel;
          degraded: boolean;
          explain: Array<{ feature: string; value: number | null; contribution: number }>;
          model: { name: string; version: string };
        } | null;
        aqiForecast: {
          asOf: unknown;
          degraded: boolean;
          sensor: { id: string; distanceKm: number };
          points: Array<{
            at: unknown;
            value: number;
            aqi: number;
            category: AqiCategory;
            lower: number;
            upper: number;
          }>;
        } | null;
      };
    }>;
  };
};

export type DashboardReportQueryVariables = Exact<{
  id: string | number;
}>;

export type DashboardReportQuery = {
  report: {
    id: string;
    description: string;
    category: ReportCategory;
    status: ReportStatus;
    createdAt: unknown;
    photo: { width: number; height: number; dataUrl: string | null } | null;
    triage: {
      label: string;
      confidence: number;
      suggestedPriority: ReportPriority;
      needsReview: boolean;
      explanation: {
        heatmap: string | null;
        region: { x: number; y: number; width: number; height: number };
      };
    } | null;
  } | null;
};

export type DashboardZoneQueryVariables = Exact<{
  id: string | number;
}>;

export type DashboardZoneQuery = {
  zone: {
    id: string;
    name: string;
    neighbourhood: string;
    population: number;
    areaKm2: number;
    elevationMean: number;
    lowLyingShare: number;
    floodRisk: {
      probability: number;
      level: FloodLevel;
      degraded: boolean;
      asOf: unknown;
      explain: Array<{ feature: string; value: number | null; contribution: number }>;
      model: { name: string; version: string };
    } | null;
    aqiForecast: {
      asOf: unknown;
      degraded: boolean;
      unit: string;
      sensor: { id: string; distanceKm: number; neighbourhood: string };
      points: Array<{
        at: unknown;
        value: number;
        aqi: number;
        category: AqiCategory;
        lower: number;
        upper: number;
      }>;
      next24Hours: { aqi: number; category: AqiCategory } | null;
      model: { name: string; version: string };
    } | null;
    energyDemand: {
      asOf: unknown;
      unit: string;
      degraded: boolean;
      points: Array<{ at: unknown; value: number; lower: number; upper: number }>;
      explain: Array<{ feature: string; value: number | null; contribution: number }>;
      model: { name: string; version: string };
    } | null;
    open: Array<{
      id: string;
      category: ReportCategory;
      status: ReportStatus;
      createdAt: unknown;
      suggestedPriority: ReportPriority | null;
      triage: {
        label: string;
        confidence: number;
        needsReview: boolean;
        model: { name: string; version: string };
      } | null;
    }> | null;
    triaged: Array<{
      id: string;
      category: ReportCategory;
      status: ReportStatus;
      createdAt: unknown;
      suggestedPriority: ReportPriority | null;
      triage: {
        label: string;
        confidence: number;
        needsReview: boolean;
        model: { name: string; version: string };
      } | null;
    }> | null;
    inProgress: Array<{
      id: string;
      category: ReportCategory;
      status: ReportStatus;
      createdAt: unknown;
      suggestedPriority: ReportPriority | null;
      triage: {
        label: string;
        confidence: number;
        needsReview: boolean;
        model: { name: string; version: string };
      } | null;
    }> | null;
  } | null;
};

export type DashboardOpenReportFragment = {
  id: string;
  category: ReportCategory;
  status: ReportStatus;
  createdAt: unknown;
  suggestedPriority: ReportPriority | null;
  triage: {
    label: string;
    confidence: number;
    needsReview: boolean;
    model: { name: string; version: string };
  } | null;
};

export type ZoneOutlookQueryVariables = Exact<{
  id: string | number;
}>;

export type ZoneOutlookQuery = {
  zone: {
    id: string;
    name: string;
    neighbourhood: string;
    population: number;
    areaKm2: number;
    elevationMean: number;
    elevationMin: number;
    lowLyingShare: number;
    floodRisk: {
      score: number;
      level: FloodLevel;
      asOf: unknown;
      model: { name: string; version: string };
    } | null;
    reports: Array<{ id: string; category: ReportCategory; status: ReportStatus; createdAt: unknown }> | null;
  } | null;
};

export type DriftDetectedSubscriptionVariables = Exact<{
  model?: string | null | undefined;
}>;

export type DriftDetectedSubscription = {
  driftDetected: {
    model: string;
    version: string;
    feature: string;
    psi: number;
    level: DriftLevel;
    previousLevel: DriftLevel;
    windowRows: number;
    at: unknown;
  };
};

export type FloodAlertsSubscriptionVariables = Exact<{
  minLevel?: FloodLevel;
  zoneIds?: Array<string | number> | string | number | null | undefined;
}>;

export type FloodAlertsSubscription = {
  floodAlerts: {
    level: FloodLevel;
    previousLevel: FloodLevel;
    rising: boolean;
    score: number;
    asOf: unknown;
    zone: { id: string; name: string; neighbourhood: string } | null;
    model: { name: string; version: string };
  };
};

export type ReportSubmittedSubscriptionVariables = Exact<{
  zoneId?: string | number | null | undefined;
}>;

export type ReportSubmittedSubscription = {
  reportSubmitted: {
    id: string;
    status: ReportStatus;
    category: ReportCategory;
    createdAt: unknown;
    suggestedPriority: ReportPriority | null;
    zone: { id: string; name: string } | null;
  };
};

export type ReportTriagedSubscriptionVariables = Exact<{
  zoneId?: string | number | null | undefined;
}>;

export type ReportTriagedSubscription = {
  reportTriaged: {
    id: string;
    status: ReportStatus;
    category: ReportCategory;
    suggestedPriority: ReportPriority | null;
    zone: { id: string; name: string } | null;
    triage: {
      label: string;
      confidence: number;
      suggestedPriority: ReportPriority;
      needsReview: boolean;
      floodLevel: string | null;
    } | null;
  };
};

export type ClassifyReportImageMutationVariables = Exact<{
  photo: unknown;
}>;

export type ClassifyReportImageMutation = {
  classifyReportImage: { label: string; confidence: number; suggestedPriority: ReportPriority };
};

export type PredictFloodQueryVariables = Exact<{
  input: FloodPredictionInput;
}>;

export type PredictFloodQuery = {
  floodPrediction: {
    predictionId: string;
    score: number;
    probability: number;
    level: FloodLevel;
    degraded: boolean;
    explain: Array<{ feature: string; contribution: number }>;
    model: { name: string; version: string };
  };
};

export const DashboardOpenReportFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashboardOpenReport' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'CitizenReport' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'category' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'triage' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                { kind: 'Field', name: { kind: 'Name', value: 'needsReview' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'model' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashboardOpenReportFragment, unknown>;
export const CreateReportDocument = {
  __meta__: { hash: 'sha256:0667f25b08dd9cfa368fc088a3c82639bde535e63f11e3b5221c3b124a7aeb66' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'CreateReport' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: {
            kind: 'NonNullType',
            type: { kind: 'NamedType', name: { kind: 'Name', value: 'CreateReportInput' } },
          },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'createReport' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'input' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'zone' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CreateReportMutation, CreateReportMutationVariables>;
export const SubmitReportDocument = {
  __meta__: { hash: 'sha256:db7c4590c61a58e93ffb6602ff4865aab256416236458908defd45be366d04e9' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'SubmitReport' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: {
            kind: 'NonNullType',
            type: { kind: 'NamedType', name: { kind: 'Name', value: 'SubmitReportInput' } },
          },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'photo' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'Upload' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'submitReport' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'input' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
              },
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'photo' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'photo' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'zone' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'photo' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'contentType' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'width' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'height' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'byteSize' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'triage' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'scores' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                          ],
                        },
                      },
                      { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'needsReview' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'floodLevel' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'model' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'explanation' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'heatmap' } },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'region' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'x' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'y' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'width' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'height' } },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<SubmitReportMutation, SubmitReportMutationVariables>;
export const ZoneAtDocument = {
  __meta__: { hash: 'sha256:6ab68cf8b8c1b7c61b748651ae8c2cc7a9e46a93d85d8bd94a0cdb6cfeb5e16b' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'ZoneAt' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'lat' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'Float' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'lon' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'Float' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zoneAt' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'lat' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'lat' } },
              },
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'lon' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'lon' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'floodRisk' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ZoneAtQuery, ZoneAtQueryVariables>;
export const ZonesPageDocument = {
  __meta__: { hash: 'sha256:8c0ace3ba50dd442acf8809c412e4120902f766e05e6690ee5cf326184ea3cbc' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'ZonesPage' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'first' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'Int' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'after' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zones' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'first' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'first' } },
              },
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'after' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'after' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'totalCount' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'pageInfo' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'hasNextPage' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'endCursor' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'edges' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'node' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'population' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'areaKm2' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'elevationMean' } },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ZonesPageQuery, ZonesPageQueryVariables>;
export const AllZonesFloodRiskDocument = {
  __meta__: { hash: 'sha256:76bb7eca1c63bd863f2494c638afc55880c64ba57c1833560eb3039501bea7bf' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'AllZonesFloodRisk' },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zones' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'first' },
                value: { kind: 'IntValue', value: '500' },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'totalCount' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'edges' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'node' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'elevationMean' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'lowLyingShare' } },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'floodRisk' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                                  {
                                    kind: 'Field',
                                    name: { kind: 'Name', value: 'model' },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                                      ],
                                    },
                                  },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<AllZonesFloodRiskQuery, AllZonesFloodRiskQueryVariables>;
export const CityOutlookDocument = {
  __meta__: { hash: 'sha256:fe5b2c4e0e75ae6e76832ffee6e50ea85b73b0017f8cf87beb4cd344ae4e02f1' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'CityOutlook' },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zones' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'first' },
                value: { kind: 'IntValue', value: '500' },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'totalCount' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'edges' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'node' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'floodRisk' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'probability' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                                  {
                                    kind: 'Field',
                                    name: { kind: 'Name', value: 'explain' },
                                    arguments: [
                                      {
                                        kind: 'Argument',
                                        name: { kind: 'Name', value: 'top' },
                                        value: { kind: 'IntValue', value: '5' },
                                      },
                                    ],
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'feature' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'contribution' } },
                                      ],
                                    },
                                  },
                                  {
                                    kind: 'Field',
                                    name: { kind: 'Name', value: 'model' },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                                      ],
                                    },
                                  },
                                ],
                              },
                            },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'aqiForecast' },
                              arguments: [
                                {
                                  kind: 'Argument',
                                  name: { kind: 'Name', value: 'hours' },
                                  value: { kind: 'IntValue', value: '24' },
                                },
                              ],
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                                  {
                                    kind: 'Field',
                                    name: { kind: 'Name', value: 'sensor' },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'distanceKm' } },
                                      ],
                                    },
                                  },
                                  {
                                    kind: 'Field',
                                    name: { kind: 'Name', value: 'points' },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'at' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'aqi' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'lower' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'upper' } },
                                      ],
                                    },
                                  },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CityOutlookQuery, CityOutlookQueryVariables>;
export const DashboardReportDocument = {
  __meta__: { hash: 'sha256:0837aa7c3fe6922d60100424e77492847c36b5c690be4e4ab92a30c799059a2f' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'DashboardReport' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'report' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'id' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'description' } },
                { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'photo' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'width' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'height' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'dataUrl' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'triage' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'needsReview' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'explanation' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'heatmap' } },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'region' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'x' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'y' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'width' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'height' } },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashboardReportQuery, DashboardReportQueryVariables>;
export const DashboardZoneDocument = {
  __meta__: { hash: 'sha256:22b73a98e4e97138226d571de38281a77064fa6d7e6463a04517554e9b41b75a' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'DashboardZone' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zone' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'id' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                { kind: 'Field', name: { kind: 'Name', value: 'population' } },
                { kind: 'Field', name: { kind: 'Name', value: 'areaKm2' } },
                { kind: 'Field', name: { kind: 'Name', value: 'elevationMean' } },
                { kind: 'Field', name: { kind: 'Name', value: 'lowLyingShare' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'floodRisk' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'probability' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'explain' },
                        arguments: [
                          {
                            kind: 'Argument',
                            name: { kind: 'Name', value: 'top' },
                            value: { kind: 'IntValue', value: '5' },
                          },
                        ],
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'feature' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'contribution' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'model' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'aqiForecast' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'hours' },
                      value: { kind: 'IntValue', value: '24' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'unit' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'sensor' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'distanceKm' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'points' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'at' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'aqi' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'lower' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'upper' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'next24Hours' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'aqi' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'model' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'energyDemand' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'hours' },
                      value: { kind: 'IntValue', value: '24' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'unit' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'points' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'at' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'lower' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'upper' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'explain' },
                        arguments: [
                          {
                            kind: 'Argument',
                            name: { kind: 'Name', value: 'top' },
                            value: { kind: 'IntValue', value: '5' },
                          },
                        ],
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'feature' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'value' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'contribution' } },
                          ],
                        },
                      },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'model' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  alias: { kind: 'Name', value: 'open' },
                  name: { kind: 'Name', value: 'reports' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'status' },
                      value: { kind: 'EnumValue', value: 'OPEN' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashboardOpenReport' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  alias: { kind: 'Name', value: 'triaged' },
                  name: { kind: 'Name', value: 'reports' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'status' },
                      value: { kind: 'EnumValue', value: 'TRIAGED' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashboardOpenReport' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  alias: { kind: 'Name', value: 'inProgress' },
                  name: { kind: 'Name', value: 'reports' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'status' },
                      value: { kind: 'EnumValue', value: 'IN_PROGRESS' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashboardOpenReport' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashboardOpenReport' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'CitizenReport' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'category' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'triage' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                { kind: 'Field', name: { kind: 'Name', value: 'needsReview' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'model' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashboardZoneQuery, DashboardZoneQueryVariables>;
export const ZoneOutlookDocument = {
  __meta__: { hash: 'sha256:bd37e54d04f246c4dbde6bf5ed499fe13f8c486f57c7d00b641600b35dbe3bef' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'ZoneOutlook' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'zone' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'id' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                { kind: 'Field', name: { kind: 'Name', value: 'population' } },
                { kind: 'Field', name: { kind: 'Name', value: 'areaKm2' } },
                { kind: 'Field', name: { kind: 'Name', value: 'elevationMean' } },
                { kind: 'Field', name: { kind: 'Name', value: 'elevationMin' } },
                { kind: 'Field', name: { kind: 'Name', value: 'lowLyingShare' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'floodRisk' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'model' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'reports' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'status' },
                      value: { kind: 'EnumValue', value: 'OPEN' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ZoneOutlookQuery, ZoneOutlookQueryVariables>;
export const DriftDetectedDocument = {
  __meta__: { hash: 'sha256:9afe4e7c40f82307d756391451109e84a2a85d9aa225f54b3b57def873dfd83e' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'DriftDetected' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'model' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'driftDetected' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'model' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'model' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'model' } },
                { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                { kind: 'Field', name: { kind: 'Name', value: 'feature' } },
                { kind: 'Field', name: { kind: 'Name', value: 'psi' } },
                { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                { kind: 'Field', name: { kind: 'Name', value: 'previousLevel' } },
                { kind: 'Field', name: { kind: 'Name', value: 'windowRows' } },
                { kind: 'Field', name: { kind: 'Name', value: 'at' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DriftDetectedSubscription, DriftDetectedSubscriptionVariables>;
export const FloodAlertsDocument = {
  __meta__: { hash: 'sha256:2d7356e4a7fb9c7a5cc7376e7b4e3d93ee5c63ef31c911d1c5a7cea73dd925a4' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'FloodAlerts' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'minLevel' } },
          type: {
            kind: 'NonNullType',
            type: { kind: 'NamedType', name: { kind: 'Name', value: 'FloodLevel' } },
          },
          defaultValue: { kind: 'EnumValue', value: 'HIGH' },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'zoneIds' } },
          type: {
            kind: 'ListType',
            type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
          },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'floodAlerts' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'minLevel' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'minLevel' } },
              },
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'zoneIds' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'zoneIds' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                { kind: 'Field', name: { kind: 'Name', value: 'previousLevel' } },
                { kind: 'Field', name: { kind: 'Name', value: 'rising' } },
                { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                { kind: 'Field', name: { kind: 'Name', value: 'asOf' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'zone' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'neighbourhood' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'model' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<FloodAlertsSubscription, FloodAlertsSubscriptionVariables>;
export const ReportSubmittedDocument = {
  __meta__: { hash: 'sha256:aecaf34d95e3701108229b160a28cf7c2918ae7b5925684d38c57c8ee4b17355' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'ReportSubmitted' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'zoneId' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'reportSubmitted' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'zoneId' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'zoneId' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'zone' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ReportSubmittedSubscription, ReportSubmittedSubscriptionVariables>;
export const ReportTriagedDocument = {
  __meta__: { hash: 'sha256:c38708161f5b7d5183e3e14e8bf6c0fa2c422485626a9321b5ca6ab9a5ff8c76' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'ReportTriaged' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'zoneId' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'reportTriaged' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'zoneId' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'zoneId' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'category' } },
                { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'zone' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'triage' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'needsReview' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'floodLevel' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ReportTriagedSubscription, ReportTriagedSubscriptionVariables>;
export const ClassifyReportImageDocument = {
  __meta__: { hash: 'sha256:0b8bb61ed12c043c52e802a4c1a74f00e614a89d0c427151f83ff5e80fdb1f83' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'ClassifyReportImage' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'photo' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'Upload' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'classifyReportImage' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'photo' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'photo' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'label' } },
                { kind: 'Field', name: { kind: 'Name', value: 'confidence' } },
                { kind: 'Field', name: { kind: 'Name', value: 'suggestedPriority' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ClassifyReportImageMutation, ClassifyReportImageMutationVariables>;
export const PredictFloodDocument = {
  __meta__: { hash: 'sha256:d2c458cb86b81eb5fbaddcbd991c06d5eb056a3148ecd44129ce619ac3dc950b' },
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'PredictFlood' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: {
            kind: 'NonNullType',
            type: { kind: 'NamedType', name: { kind: 'Name', value: 'FloodPredictionInput' } },
          },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'floodPrediction' },
            arguments: [
              {
                kind: 'Argument',
                name: { kind: 'Name', value: 'input' },
                value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
              },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'predictionId' } },
                { kind: 'Field', name: { kind: 'Name', value: 'score' } },
                { kind: 'Field', name: { kind: 'Name', value: 'probability' } },
                { kind: 'Field', name: { kind: 'Name', value: 'level' } },
                { kind: 'Field', name: { kind: 'Name', value: 'degraded' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'explain' },
                  arguments: [
                    {
                      kind: 'Argument',
                      name: { kind: 'Name', value: 'top' },
                      value: { kind: 'IntValue', value: '10' },
                    },
                  ],
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'feature' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'contribution' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'model' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'name' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'version' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<PredictFloodQuery, PredictFloodQueryVariables>;
