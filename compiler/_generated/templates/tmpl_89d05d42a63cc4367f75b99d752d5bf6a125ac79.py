from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'sourceos-agent.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_source = resolve('source')
    l_0_fail_closed = resolve('fail_closed')
    l_0_logs = resolve('logs')
    l_0_restart = resolve('restart')
    l_0_machine = resolve('machine')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_3 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_4 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    try:
        t_5 = environment.filters['sort']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'sort' found.")
    try:
        t_6 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield '# ==== this agent: '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ', compiled from '
    yield str(t_1(context, (undefined(name='source') if l_0_source is missing else l_0_source), 'source'))
    yield ' ====\n# shellcheck disable=SC2034,SC2016,SC2088,SC1003  # facts: read by the library above; literal values\nset -u\numask 077\n\nAGENT='
    yield str(t_3(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield '\nRUNTIME='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime'))
    yield '\nFAIL_CLOSED='
    yield str((undefined(name='fail_closed') if l_0_fail_closed is missing else l_0_fail_closed))
    yield '\nAPP_LOG_LAUNCHD='
    yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'app'), 'logs.app'))
    yield '\nAPP_LOG_SYSTEMD='
    yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'app'), 'logs.app'))
    yield '\nBREAKER_MAX='
    yield str((environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour') if (not t_6(environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour'))) else "''"))
    yield '\nSTARTUP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'startup_timeout_seconds'))
    yield '\nSTOP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'shutdown_timeout_seconds'))
    yield '\nENV_FILE='
    yield str(t_4(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment_file') or ''), 'environmentFile'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'IMAGE='
        yield str(t_3(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'image'), 'image'))
        yield '\nCONTAINER='
        yield str(t_3(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'container_name'), 'containerName'))
        yield '\nCONNECTION_LAUNCHD='
        yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'connection') or ''), 'podman.connection'))
        yield '\nCONNECTION_SYSTEMD='
        yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'connection') or ''), 'podman.connection'))
        yield '\nPULL='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'pull'))
        yield '\nAUTH_MODE='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'mode'))
        yield '\nAUTHFILE_DECLARED='
        yield str(t_4(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'authfile') or ''), 'auth.authfile'))
        yield '\nALLOW_AMBIENT='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'allow_ambient_docker_config') else 'no'))
        yield '\nENV_NAMES='
        yield str(t_3(context, t_2(context.eval_ctx, t_5(environment, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment')), ' '), 'environment'))
        yield '\nPROGRAM=\'\'\n\n# The container\'s command: runs "$@" with the declared argv appended.\nwith_command() {\n    "$@"'
        for l_1_arg in (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command') or ()):
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_3(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    else:
        pass
        yield "IMAGE=''\nCONTAINER=''\nCONNECTION_LAUNCHD=''\nCONNECTION_SYSTEMD=''\nPULL=''\nAUTH_MODE=''\nAUTHFILE_DECLARED=''\nALLOW_AMBIENT=no\nENV_NAMES=''\nPROGRAM="
        yield str(t_4(context, environment.getitem(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command'), 0), 'command'))
        yield '\n\n# The program\'s arguments: runs "$@" with the declared argv (after the program) appended.\nwith_command() {\n    "$@"'
        for l_1_arg in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command')[1:]:
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_4(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    yield '\nwrapper_main ${1+"$@"}\n'

blocks = {}
debug_info = '3=54&8=58&9=60&10=62&11=64&12=66&13=68&14=70&15=72&16=74&17=76&18=79&19=81&20=83&21=85&22=87&23=89&24=91&25=93&26=95&31=97&44=107&48=109'