# log4shib configuration of mod_shib (inside Apache) for a CIE Bench test instance.
log4j.rootCategory={{LEVEL}}, native_log
log4j.appender.native_log=org.apache.log4j.FileAppender
log4j.appender.native_log.fileName={{DIR}}/log/native.log
log4j.appender.native_log.layout=org.apache.log4j.PatternLayout
log4j.appender.native_log.layout.ConversionPattern=%d{%Y-%m-%d %H:%M:%S} %p %c %x: %m%n
