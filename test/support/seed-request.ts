// The seed document's example (000_9f82b16985406bbd.txt), as an import request with the API's own field
// names and values exactly as its curl command sends them.
export const seedReaderConfig = '{"filePath":"parquet/","column":["id","intcol","doublecol","stringcol","string1col","decimalcol"]}';
export const seedWriterConfig =
  '{"columns":["ROW||String","f:intcol||Int","f:doublecol||Double","f:stringcol||String","f:string1col||String","f:decimalcol||Decimal"],"namespace":"default","lindormTable":"bulkload_test","compression":"zstd"}';

export const seedRequest = {
  src: 'hdfs',
  dst: 'ld',
  readerConfig: seedReaderConfig,
  writerConfig: seedWriterConfig,
  driverSpec: 'large',
  instances: '5',
  fileType: 'Parquet',
};

/** A readerConfig every unencoded form would break: `& + = %`, quotes, newlines inside strings, CJK, emoji. */
export const trickyReaderConfig = JSON.stringify({
  filePath: 'data/a&b=c+d%20e/',
  delimiter: '&',
  header: true,
  column: ['名字 STRING', 'q"uote\'s STRING', 'line\nbreak STRING', 'pct%25 INT', 'emoji😀 STRING', 'plus+minus DOUBLE'],
});
