import { registerEnumType } from 'type-graphql';

export enum ReportCategory {
  POTHOLE = 'POTHOLE',
  GARBAGE = 'GARBAGE',
  FALLEN_TREE = 'FALLEN_TREE',
  FLOODING = 'FLOODING',
  OTHER = 'OTHER',
}
registerEnumType(ReportCategory, { name: 'ReportCategory', description: 'What the citizen reports.' });

export enum ReportStatus {
  OPEN = 'OPEN',
  TRIAGED = 'TRIAGED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  REJECTED = 'REJECTED',
}
registerEnumType(ReportStatus, { name: 'ReportStatus', description: 'Where the report is in its workflow.' });
