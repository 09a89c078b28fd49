export { SchemaCodec, WireFormatError, isRegistryOutage, toPlain, recordNameSubject, registerSchemaFiles, schemaIdOf, type SchemaCodecOptions, type SubjectOf } from './codec.js';
export { SchemaFileError, defaultSchemasDir, loadSchemaFiles, type SchemaFile } from './files.js';
export { RegistryClient, RegistryRequestError, type RegisteredVersion } from './registry-client.js';
export { loadEventTypeDeclarations, type EventTypeDeclaration } from './event-types.js';
