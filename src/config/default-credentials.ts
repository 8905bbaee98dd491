// The S3 key pair a node and the CLI use when none is configured (as MinIO's is minioadmin /
// minioadmin). Apart from node-config.ts so that the CLI reads it without loading the schemas.
export const defaultS3AccessKey = 'cairnadmin';
export const defaultS3SecretKey = 'cairnadmin';
