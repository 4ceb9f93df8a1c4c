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
  PREDICTION_DEGRADED: {
    status: 200,
    message: 'The model failed or timed out; the answer is a fallback (degraded: true).',
  },
  MODEL_NOT_FOUND: { status: 404, message: 'No such model or model version.' },
  MODEL_LOAD_FAILED: {
    status: 422,
    message: 'The model version could not be loaded or does not reproduce its test vectors.',
  },
  MODEL_STATUS_CONFLICT: { status: 409, message: 'That change of model status is not allowed now.' },
  PIPELINE_NOT_FOUND: { status: 404, message: 'No pipeline of that name.' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The uploaded delivery is larger than ETL_UPLOAD_MAX_BYTES.' },
  UPLOAD_EMPTY: { status: 400, message: 'The uploaded delivery is empty.' },
  FORECAST_UNAVAILABLE: {
    status: 404,
    message: 'No forecast for this zone: no readings near or of it, or too few recent ones.',
  },
});
