// Row type of bastion_sessions (migration 0012), kept apart from schema.ts to keep that shared file small.
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<string | Date, string, string>;
type NullableTimestamp = ColumnType<string | Date | null, string | null | undefined, string | null>;

export interface BastionSessionsTable {
  session_id: string;
  grant_id: string;
  request_id: string;
  user_id: string;
  username: string;
  target_id: string;
  target_name: string;
  source_ip: string;
  replica: string;
  started_at: Timestamp;
  not_after: Timestamp;
  ended_at: NullableTimestamp;
  end_reason: ColumnType<string | null, string | null | undefined, string | null>;
  cut_requested_at: NullableTimestamp;
  cut_requested_by: ColumnType<string | null, string | null | undefined, string | null>;
  recording_dir: string;
  input_recorded: number;
  bytes_from_client: ColumnType<number, number | undefined, number>;
  bytes_to_client: ColumnType<number, number | undefined, number>;
  manifest_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  signed_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  retain_until: NullableTimestamp;
  recording_deleted_at: NullableTimestamp;
}
