/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
  'mutation CreateReport($input: CreateReportInput!) {\n  createReport(input: $input) {\n    id\n    status\n    createdAt\n    zone {\n      id\n      name\n    }\n  }\n}': typeof types.CreateReportDocument;
  'mutation SubmitReport($input: SubmitReportInput!, $photo: Upload) {\n  submitReport(input: $input, photo: $photo) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    photo {\n      contentType\n      width\n      height\n      byteSize\n    }\n    triage {\n      label\n      confidence\n      scores {\n        label\n        score\n      }\n      suggestedPriority\n      needsReview\n      floodLevel\n      model {\n        name\n        version\n      }\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}': typeof types.SubmitReportDocument;
  'query ZoneAt($lat: Float!, $lon: Float!) {\n  zoneAt(lat: $lat, lon: $lon) {\n    id\n    name\n    neighbourhood\n    floodRisk {\n      score\n      level\n    }\n  }\n}': typeof types.ZoneAtDocument;
  'query ZonesPage($first: Int!, $after: String) {\n  zones(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        population\n        areaKm2\n        elevationMean\n      }\n    }\n  }\n}': typeof types.ZonesPageDocument;
  'query AllZonesFloodRisk {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        elevationMean\n        lowLyingShare\n        floodRisk {\n          score\n          level\n          asOf\n          model {\n            name\n            version\n          }\n        }\n      }\n    }\n  }\n}': typeof types.AllZonesFloodRiskDocument;
  'query CityOutlook {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        floodRisk {\n          probability\n          level\n          degraded\n          explain(top: 5) {\n            feature\n            value\n            contribution\n          }\n          model {\n            name\n            version\n          }\n        }\n        aqiForecast(hours: 24) {\n          asOf\n          degraded\n          sensor {\n            id\n            distanceKm\n          }\n          points {\n            at\n            value\n            aqi\n            category\n            lower\n            upper\n          }\n        }\n      }\n    }\n  }\n}': typeof types.CityOutlookDocument;
  'query DashboardReport($id: ID!) {\n  report(id: $id) {\n    id\n    description\n    category\n    status\n    createdAt\n    photo {\n      width\n      height\n      dataUrl\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}': typeof types.DashboardReportDocument;
  'query DashboardZone($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    lowLyingShare\n    floodRisk {\n      probability\n      level\n      degraded\n      asOf\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    aqiForecast(hours: 24) {\n      asOf\n      degraded\n      unit\n      sensor {\n        id\n        distanceKm\n        neighbourhood\n      }\n      points {\n        at\n        value\n        aqi\n        category\n        lower\n        upper\n      }\n      next24Hours {\n        aqi\n        category\n      }\n      model {\n        name\n        version\n      }\n    }\n    energyDemand(hours: 24) {\n      asOf\n      unit\n      degraded\n      points {\n        at\n        value\n        lower\n        upper\n      }\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    open: reports(status: OPEN) {\n      ...DashboardOpenReport\n    }\n    triaged: reports(status: TRIAGED) {\n      ...DashboardOpenReport\n    }\n    inProgress: reports(status: IN_PROGRESS) {\n      ...DashboardOpenReport\n    }\n  }\n}\n\nfragment DashboardOpenReport on CitizenReport {\n  id\n  category\n  status\n  createdAt\n  suggestedPriority\n  triage {\n    label\n    confidence\n    needsReview\n    model {\n      name\n      version\n    }\n  }\n}': typeof types.DashboardZoneDocument;
  'query ZoneOutlook($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    elevationMin\n    lowLyingShare\n    floodRisk {\n      score\n      level\n      asOf\n      model {\n        name\n        version\n      }\n    }\n    reports(status: OPEN) {\n      id\n      category\n      status\n      createdAt\n    }\n  }\n}': typeof types.ZoneOutlookDocument;
  'subscription DriftDetected($model: String) {\n  driftDetected(model: $model) {\n    model\n    version\n    feature\n    psi\n    level\n    previousLevel\n    windowRows\n    at\n  }\n}': typeof types.DriftDetectedDocument;
  'subscription FloodAlerts($minLevel: FloodLevel! = HIGH, $zoneIds: [ID!]) {\n  floodAlerts(minLevel: $minLevel, zoneIds: $zoneIds) {\n    level\n    previousLevel\n    rising\n    score\n    asOf\n    zone {\n      id\n      name\n      neighbourhood\n    }\n    model {\n      name\n      version\n    }\n  }\n}': typeof types.FloodAlertsDocument;
  'subscription ReportSubmitted($zoneId: ID) {\n  reportSubmitted(zoneId: $zoneId) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n  }\n}': typeof types.ReportSubmittedDocument;
  'subscription ReportTriaged($zoneId: ID) {\n  reportTriaged(zoneId: $zoneId) {\n    id\n    status\n    category\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      floodLevel\n    }\n  }\n}': typeof types.ReportTriagedDocument;
  'mutation ClassifyReportImage($photo: Upload!) {\n  classifyReportImage(photo: $photo) {\n    label\n    confidence\n    suggestedPriority\n  }\n}': typeof types.ClassifyReportImageDocument;
  'query PredictFlood($input: FloodPredictionInput!) {\n  floodPrediction(input: $input) {\n    predictionId\n    score\n    probability\n    level\n    degraded\n    explain(top: 10) {\n      feature\n      contribution\n    }\n    model {\n      name\n      version\n    }\n  }\n}': typeof types.PredictFloodDocument;
};
const documents: Documents = {
  'mutation CreateReport($input: CreateReportInput!) {\n  createReport(input: $input) {\n    id\n    status\n    createdAt\n    zone {\n      id\n      name\n    }\n  }\n}':
    types.CreateReportDocument,
  'mutation SubmitReport($input: SubmitReportInput!, $photo: Upload) {\n  submitReport(input: $input, photo: $photo) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    photo {\n      contentType\n      width\n      height\n      byteSize\n    }\n    triage {\n      label\n      confidence\n      scores {\n        label\n        score\n      }\n      suggestedPriority\n      needsReview\n      floodLevel\n      model {\n        name\n        version\n      }\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}':
    types.SubmitReportDocument,
  'query ZoneAt($lat: Float!, $lon: Float!) {\n  zoneAt(lat: $lat, lon: $lon) {\n    id\n    name\n    neighbourhood\n    floodRisk {\n      score\n      level\n    }\n  }\n}':
    types.ZoneAtDocument,
  'query ZonesPage($first: Int!, $after: String) {\n  zones(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        population\n        areaKm2\n        elevationMean\n      }\n    }\n  }\n}':
    types.ZonesPageDocument,
  'query AllZonesFloodRisk {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        elevationMean\n        lowLyingShare\n        floodRisk {\n          score\n          level\n          asOf\n          model {\n            name\n            version\n          }\n        }\n      }\n    }\n  }\n}':
    types.AllZonesFloodRiskDocument,
  'query CityOutlook {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        floodRisk {\n          probability\n          level\n          degraded\n          explain(top: 5) {\n            feature\n            value\n            contribution\n          }\n          model {\n            name\n            version\n          }\n        }\n        aqiForecast(hours: 24) {\n          asOf\n          degraded\n          sensor {\n            id\n            distanceKm\n          }\n          points {\n            at\n            value\n            aqi\n            category\n            lower\n            upper\n          }\n        }\n      }\n    }\n  }\n}':
    types.CityOutlookDocument,
  'query DashboardReport($id: ID!) {\n  report(id: $id) {\n    id\n    description\n    category\n    status\n    createdAt\n    photo {\n      width\n      height\n      dataUrl\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}':
    types.DashboardReportDocument,
  'query DashboardZone($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    lowLyingShare\n    floodRisk {\n      probability\n      level\n      degraded\n      asOf\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    aqiForecast(hours: 24) {\n      asOf\n      degraded\n      unit\n      sensor {\n        id\n        distanceKm\n        neighbourhood\n      }\n      points {\n        at\n        value\n        aqi\n        category\n        lower\n        upper\n      }\n      next24Hours {\n        aqi\n        category\n      }\n      model {\n        name\n        version\n      }\n    }\n    energyDemand(hours: 24) {\n      asOf\n      unit\n      degraded\n      points {\n        at\n        value\n        lower\n        upper\n      }\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    open: reports(status: OPEN) {\n      ...DashboardOpenReport\n    }\n    triaged: reports(status: TRIAGED) {\n      ...DashboardOpenReport\n    }\n    inProgress: reports(status: IN_PROGRESS) {\n      ...DashboardOpenReport\n    }\n  }\n}\n\nfragment DashboardOpenReport on CitizenReport {\n  id\n  category\n  status\n  createdAt\n  suggestedPriority\n  triage {\n    label\n    confidence\n    needsReview\n    model {\n      name\n      version\n    }\n  }\n}':
    types.DashboardZoneDocument,
  'query ZoneOutlook($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    elevationMin\n    lowLyingShare\n    floodRisk {\n      score\n      level\n      asOf\n      model {\n        name\n        version\n      }\n    }\n    reports(status: OPEN) {\n      id\n      category\n      status\n      createdAt\n    }\n  }\n}':
    types.ZoneOutlookDocument,
  'subscription DriftDetected($model: String) {\n  driftDetected(model: $model) {\n    model\n    version\n    feature\n    psi\n    level\n    previousLevel\n    windowRows\n    at\n  }\n}':
    types.DriftDetectedDocument,
  'subscription FloodAlerts($minLevel: FloodLevel! = HIGH, $zoneIds: [ID!]) {\n  floodAlerts(minLevel: $minLevel, zoneIds: $zoneIds) {\n    level\n    previousLevel\n    rising\n    score\n    asOf\n    zone {\n      id\n      name\n      neighbourhood\n    }\n    model {\n      name\n      version\n    }\n  }\n}':
    types.FloodAlertsDocument,
  'subscription ReportSubmitted($zoneId: ID) {\n  reportSubmitted(zoneId: $zoneId) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n  }\n}':
    types.ReportSubmittedDocument,
  'subscription ReportTriaged($zoneId: ID) {\n  reportTriaged(zoneId: $zoneId) {\n    id\n    status\n    category\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      floodLevel\n    }\n  }\n}':
    types.ReportTriagedDocument,
  'mutation ClassifyReportImage($photo: Upload!) {\n  classifyReportImage(photo: $photo) {\n    label\n    confidence\n    suggestedPriority\n  }\n}':
    types.ClassifyReportImageDocument,
  'query PredictFlood($input: FloodPredictionInput!) {\n  floodPrediction(input: $input) {\n    predictionId\n    score\n    probability\n    level\n    degraded\n    explain(top: 10) {\n      feature\n      contribution\n    }\n    model {\n      name\n      version\n    }\n  }\n}':
    types.PredictFloodDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation CreateReport($input: CreateReportInput!) {\n  createReport(input: $input) {\n    id\n    status\n    createdAt\n    zone {\n      id\n      name\n    }\n  }\n}',
): (typeof documents)['mutation CreateReport($input: CreateReportInput!) {\n  createReport(input: $input) {\n    id\n    status\n    createdAt\n    zone {\n      id\n      name\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation SubmitReport($input: SubmitReportInput!, $photo: Upload) {\n  submitReport(input: $input, photo: $photo) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    photo {\n      contentType\n      width\n      height\n      byteSize\n    }\n    triage {\n      label\n      confidence\n      scores {\n        label\n        score\n      }\n      suggestedPriority\n      needsReview\n      floodLevel\n      model {\n        name\n        version\n      }\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}',
): (typeof documents)['mutation SubmitReport($input: SubmitReportInput!, $photo: Upload) {\n  submitReport(input: $input, photo: $photo) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    photo {\n      contentType\n      width\n      height\n      byteSize\n    }\n    triage {\n      label\n      confidence\n      scores {\n        label\n        score\n      }\n      suggestedPriority\n      needsReview\n      floodLevel\n      model {\n        name\n        version\n      }\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query ZoneAt($lat: Float!, $lon: Float!) {\n  zoneAt(lat: $lat, lon: $lon) {\n    id\n    name\n    neighbourhood\n    floodRisk {\n      score\n      level\n    }\n  }\n}',
): (typeof documents)['query ZoneAt($lat: Float!, $lon: Float!) {\n  zoneAt(lat: $lat, lon: $lon) {\n    id\n    name\n    neighbourhood\n    floodRisk {\n      score\n      level\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query ZonesPage($first: Int!, $after: String) {\n  zones(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        population\n        areaKm2\n        elevationMean\n      }\n    }\n  }\n}',
): (typeof documents)['query ZonesPage($first: Int!, $after: String) {\n  zones(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        population\n        areaKm2\n        elevationMean\n      }\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query AllZonesFloodRisk {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        elevationMean\n        lowLyingShare\n        floodRisk {\n          score\n          level\n          asOf\n          model {\n            name\n            version\n          }\n        }\n      }\n    }\n  }\n}',
): (typeof documents)['query AllZonesFloodRisk {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        neighbourhood\n        elevationMean\n        lowLyingShare\n        floodRisk {\n          score\n          level\n          asOf\n          model {\n            name\n            version\n          }\n        }\n      }\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query CityOutlook {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        floodRisk {\n          probability\n          level\n          degraded\n          explain(top: 5) {\n            feature\n            value\n            contribution\n          }\n          model {\n            name\n            version\n          }\n        }\n        aqiForecast(hours: 24) {\n          asOf\n          degraded\n          sensor {\n            id\n            distanceKm\n          }\n          points {\n            at\n            value\n            aqi\n            category\n            lower\n            upper\n          }\n        }\n      }\n    }\n  }\n}',
): (typeof documents)['query CityOutlook {\n  zones(first: 500) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        floodRisk {\n          probability\n          level\n          degraded\n          explain(top: 5) {\n            feature\n            value\n            contribution\n          }\n          model {\n            name\n            version\n          }\n        }\n        aqiForecast(hours: 24) {\n          asOf\n          degraded\n          sensor {\n            id\n            distanceKm\n          }\n          points {\n            at\n            value\n            aqi\n            category\n            lower\n            upper\n          }\n        }\n      }\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query DashboardReport($id: ID!) {\n  report(id: $id) {\n    id\n    description\n    category\n    status\n    createdAt\n    photo {\n      width\n      height\n      dataUrl\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}',
): (typeof documents)['query DashboardReport($id: ID!) {\n  report(id: $id) {\n    id\n    description\n    category\n    status\n    createdAt\n    photo {\n      width\n      height\n      dataUrl\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      explanation {\n        heatmap\n        region {\n          x\n          y\n          width\n          height\n        }\n      }\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query DashboardZone($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    lowLyingShare\n    floodRisk {\n      probability\n      level\n      degraded\n      asOf\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    aqiForecast(hours: 24) {\n      asOf\n      degraded\n      unit\n      sensor {\n        id\n        distanceKm\n        neighbourhood\n      }\n      points {\n        at\n        value\n        aqi\n        category\n        lower\n        upper\n      }\n      next24Hours {\n        aqi\n        category\n      }\n      model {\n        name\n        version\n      }\n    }\n    energyDemand(hours: 24) {\n      asOf\n      unit\n      degraded\n      points {\n        at\n        value\n        lower\n        upper\n      }\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    open: reports(status: OPEN) {\n      ...DashboardOpenReport\n    }\n    triaged: reports(status: TRIAGED) {\n      ...DashboardOpenReport\n    }\n    inProgress: reports(status: IN_PROGRESS) {\n      ...DashboardOpenReport\n    }\n  }\n}\n\nfragment DashboardOpenReport on CitizenReport {\n  id\n  category\n  status\n  createdAt\n  suggestedPriority\n  triage {\n    label\n    confidence\n    needsReview\n    model {\n      name\n      version\n    }\n  }\n}',
): (typeof documents)['query DashboardZone($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    lowLyingShare\n    floodRisk {\n      probability\n      level\n      degraded\n      asOf\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    aqiForecast(hours: 24) {\n      asOf\n      degraded\n      unit\n      sensor {\n        id\n        distanceKm\n        neighbourhood\n      }\n      points {\n        at\n        value\n        aqi\n        category\n        lower\n        upper\n      }\n      next24Hours {\n        aqi\n        category\n      }\n      model {\n        name\n        version\n      }\n    }\n    energyDemand(hours: 24) {\n      asOf\n      unit\n      degraded\n      points {\n        at\n        value\n        lower\n        upper\n      }\n      explain(top: 5) {\n        feature\n        value\n        contribution\n      }\n      model {\n        name\n        version\n      }\n    }\n    open: reports(status: OPEN) {\n      ...DashboardOpenReport\n    }\n    triaged: reports(status: TRIAGED) {\n      ...DashboardOpenReport\n    }\n    inProgress: reports(status: IN_PROGRESS) {\n      ...DashboardOpenReport\n    }\n  }\n}\n\nfragment DashboardOpenReport on CitizenReport {\n  id\n  category\n  status\n  createdAt\n  suggestedPriority\n  triage {\n    label\n    confidence\n    needsReview\n    model {\n      name\n      version\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query ZoneOutlook($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    elevationMin\n    lowLyingShare\n    floodRisk {\n      score\n      level\n      asOf\n      model {\n        name\n        version\n      }\n    }\n    reports(status: OPEN) {\n      id\n      category\n      status\n      createdAt\n    }\n  }\n}',
): (typeof documents)['query ZoneOutlook($id: ID!) {\n  zone(id: $id) {\n    id\n    name\n    neighbourhood\n    population\n    areaKm2\n    elevationMean\n    elevationMin\n    lowLyingShare\n    floodRisk {\n      score\n      level\n      asOf\n      model {\n        name\n        version\n      }\n    }\n    reports(status: OPEN) {\n      id\n      category\n      status\n      createdAt\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'subscription DriftDetected($model: String) {\n  driftDetected(model: $model) {\n    model\n    version\n    feature\n    psi\n    level\n    previousLevel\n    windowRows\n    at\n  }\n}',
): (typeof documents)['subscription DriftDetected($model: String) {\n  driftDetected(model: $model) {\n    model\n    version\n    feature\n    psi\n    level\n    previousLevel\n    windowRows\n    at\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'subscription FloodAlerts($minLevel: FloodLevel! = HIGH, $zoneIds: [ID!]) {\n  floodAlerts(minLevel: $minLevel, zoneIds: $zoneIds) {\n    level\n    previousLevel\n    rising\n    score\n    asOf\n    zone {\n      id\n      name\n      neighbourhood\n    }\n    model {\n      name\n      version\n    }\n  }\n}',
): (typeof documents)['subscription FloodAlerts($minLevel: FloodLevel! = HIGH, $zoneIds: [ID!]) {\n  floodAlerts(minLevel: $minLevel, zoneIds: $zoneIds) {\n    level\n    previousLevel\n    rising\n    score\n    asOf\n    zone {\n      id\n      name\n      neighbourhood\n    }\n    model {\n      name\n      version\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'subscription ReportSubmitted($zoneId: ID) {\n  reportSubmitted(zoneId: $zoneId) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n  }\n}',
): (typeof documents)['subscription ReportSubmitted($zoneId: ID) {\n  reportSubmitted(zoneId: $zoneId) {\n    id\n    status\n    category\n    createdAt\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'subscription ReportTriaged($zoneId: ID) {\n  reportTriaged(zoneId: $zoneId) {\n    id\n    status\n    category\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      floodLevel\n    }\n  }\n}',
): (typeof documents)['subscription ReportTriaged($zoneId: ID) {\n  reportTriaged(zoneId: $zoneId) {\n    id\n    status\n    category\n    suggestedPriority\n    zone {\n      id\n      name\n    }\n    triage {\n      label\n      confidence\n      suggestedPriority\n      needsReview\n      floodLevel\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation ClassifyReportImage($photo: Upload!) {\n  classifyReportImage(photo: $photo) {\n    label\n    confidence\n    suggestedPriority\n  }\n}',
): (typeof documents)['mutation ClassifyReportImage($photo: Upload!) {\n  classifyReportImage(photo: $photo) {\n    label\n    confidence\n    suggestedPriority\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query PredictFlood($input: FloodPredictionInput!) {\n  floodPrediction(input: $input) {\n    predictionId\n    score\n    probability\n    level\n    degraded\n    explain(top: 10) {\n      feature\n      contribution\n    }\n    model {\n      name\n      version\n    }\n  }\n}',
): (typeof documents)['query PredictFlood($input: FloodPredictionInput!) {\n  floodPrediction(input: $input) {\n    predictionId\n    score\n    probability\n    level\n    degraded\n    explain(top: 10) {\n      feature\n      contribution\n    }\n    model {\n      name\n      version\n    }\n  }\n}'];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> =
  TDocumentNode extends DocumentNode<infer TType, any> ? TType : never;
