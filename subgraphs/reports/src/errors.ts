import { commonErrors, defineErrors } from '@cityassist/service-kit';

/** Every `extensions.code` the reports subgraph answers with. */
export const errors = defineErrors({
  ...commonErrors,
  ZONE_NOT_FOUND: { status: 422, message: 'No zone has this id.' },
  LOCATION_OUTSIDE_ZONES: { status: 422, message: 'The location is not inside any zone of the city.' },
  REPORT_NOT_FOUND: { status: 404, message: 'No report has this id.' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The photo is larger than the limit.' },
  TOO_MANY_FILES: { status: 413, message: 'The request carries more files than allowed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The file is not a JPEG, PNG or WebP image.' },
  IMAGE_UNREADABLE: { status: 422, message: 'The image could not be decoded.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message:
      'This idempotency key was already used for a different request; send a new key for a new request.',
  },
  INVALID_TRANSITION: { status: 409, message: 'The report cannot move to this status from its current one.' },
  TRIAGE_UNAVAILABLE: { status: 503, message: 'The image model is not available; try again later.' },
});
