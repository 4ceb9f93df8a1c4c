/** Topic of the event submitReport and createReport publish; the payload is the accepted report. */
export const REPORT_SUBMITTED = 'REPORT_SUBMITTED';
/** Topic of the event raised when the image model triages a report; the payload is the report. */
export const REPORT_TRIAGED = 'REPORT_TRIAGED';
