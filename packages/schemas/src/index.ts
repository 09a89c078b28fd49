export { SchemaCodec, WireFormatError, recordNameSubject, registerSchemaFiles, schemaIdOf, type SchemaCodecOptions, type SubjectOf } from './codec.js';
export { SchemaFileError, defaultSchemasDir, loadSchemaFiles, type SchemaFile } from './files.js';
