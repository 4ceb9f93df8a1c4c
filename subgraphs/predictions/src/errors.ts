import { commonErrors, defineErrors } from '@cityassist/service-kit';

/** Every `extensions.code` the predictions subgraph answers with. */
export const errors = defineErrors({
  ...commonErrors,
  FEATURES_UNAVAILABLE: { status: 404, message: 'The feature store holds no features for this zone.' },
  MODEL_INPUT_INVALID: {
    status: 422,
    message: 'A feature value is outside the range the model was trained on.',
  },
  PREDICTION_UNAVAILABLE: { status: 503, message: 'The model could not score this zone.' },
});
