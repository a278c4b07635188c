from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_facts_run.sh.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_restart = resolve('restart')
    l_0_logs = resolve('logs')
    l_0_declaration_sha256 = resolve('declaration_sha256')
    l_0_health_check = resolve('health_check')
    l_0_machine = resolve('machine')
    try:
        t_1 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_2 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    try:
        t_3 = environment.filters['string']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'string' found.")
    try:
        t_4 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield 'AGENT='
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield '\nRUNTIME='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime'))
    yield '\nSTARTUP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'startup_timeout_seconds'))
    yield '\nBREAKER_MAX='
    yield str((environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour') if (not t_4(environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour'))) else "''"))
    yield '\nLOG_APP_LAUNCHD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'app'), 'logs.app'))
    yield '\nLOG_APP_SYSTEMD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'app'), 'logs.app'))
    yield '\nLOG_OUT_LAUNCHD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_LAUNCHD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stderr'), 'logs.stderr'))
    yield '\nLOG_OUT_SYSTEMD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_SYSTEMD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stderr'), 'logs.stderr'))
    yield '\nGENERATION='
    yield str(t_1(context, (undefined(name='declaration_sha256') if l_0_declaration_sha256 is missing else l_0_declaration_sha256), 'declaration'))
    yield '\nLOG_MAX_BYTES='
    yield str(t_1(context, t_3(environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'log_max_bytes')), 'logs.maxSizeMB'))
    yield '\nLOG_KEEP='
    yield str(t_1(context, t_3(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'logs'), 'keep')), 'logs.keep'))
    yield '\nHEALTH_TYPE='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'type'))
    yield '\nHEALTH_URL='
    yield str(t_1(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'url') or ''), 'health.url'))
    yield '\nHEALTH_PORT='
    yield str(t_1(context, t_3((environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'port') or '')), 'health.port'))
    yield '\nHEALTH_NAMED='
    yield str(t_1(context, environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'named'), 'health'))
    yield '\nHEALTH_PROGRAM='
    yield str(t_2(context, (environment.getitem(environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'argv'), 0) if environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'argv') else ''), 'health.command'))
    yield '\nHEALTH_START_PERIOD='
    yield str(t_1(context, t_3(environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'start')), 'health.startPeriodSeconds'))
    yield '\nHEALTH_INTERVAL='
    yield str(t_1(context, t_3(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'interval_seconds')), 'health.intervalSeconds'))
    yield '\nHEALTH_TIMEOUT='
    yield str(t_1(context, t_3(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'timeout_seconds')), 'health.timeoutSeconds'))
    yield '\nHEALTH_RETRIES='
    yield str(t_1(context, t_3(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'retries')), 'health.retries'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'IMAGE='
        yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'image'), 'image'))
        yield '\nCONTAINER='
        yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'container_name'), 'containerName'))
        yield '\nCONNECTION_LAUNCHD='
        yield str(t_1(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'connection') or ''), 'podman.connection'))
        yield '\nCONNECTION_SYSTEMD='
        yield str(t_1(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'connection') or ''), 'podman.connection'))
        yield '\nPULL='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'pull'))
        yield '\nAUTH_MODE='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'mode'))
        yield '\nAUTHFILE_DECLARED='
        yield str(t_2(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'authfile') or ''), 'auth.authfile'))
        yield '\nALLOW_AMBIENT='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'allow_ambient_docker_config') else 'no'))
        yield "\nPROGRAM=''\n"
    else:
        pass
        yield "IMAGE=''\nCONTAINER=''\nCONNECTION_LAUNCHD=''\nCONNECTION_SYSTEMD=''\nPULL=''\nAUTH_MODE=''\nAUTHFILE_DECLARED=''\nALLOW_AMBIENT=no\nPROGRAM="
        yield str(t_2(context, environment.getitem(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command'), 0), 'command'))
        yield '\n'
    yield '\n# The declared health check\'s argv (type = "command"): runs "$@" with it appended.\nhealth_argv() {\n    "$@"'
    for l_1_arg in environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'argv'):
        _loop_vars = {}
        pass
        yield ' '
        yield str(t_2(context, l_1_arg, 'health.command'))
    l_1_arg = missing
    yield '\n}\n'

blocks = {}
debug_info = '3=42&4=44&5=46&6=48&7=50&8=52&9=54&10=56&11=58&12=60&13=62&14=64&15=66&16=68&17=70&18=72&19=74&20=76&21=78&22=80&23=82&24=84&25=86&26=89&27=91&28=93&29=95&30=97&31=99&32=101&33=103&44=108&49=111'