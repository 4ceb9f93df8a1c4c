import { commonErrors, defineErrors } from '@cityassist/service-kit';

/** Every `extensions.code` the predictions subgraph answers with. */
export const errors = defineErrors({
  ...commonErrors,
  FEATURES_UNAVAILABLE: { status: 404, message: 'The feature store holds no features for this zone.' },
  PREDICTION_UNAVAILABLE: { status: 503, message: 'The model could not score this zone.' },
});
