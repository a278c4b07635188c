from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_facts_run.sh.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_logs = resolve('logs')
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
    pass
    yield 'AGENT='
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield '\nRUNTIME='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime'))
    yield '\nSTARTUP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'startup_timeout_seconds'))
    yield '\nLOG_APP_LAUNCHD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'app'), 'logs.app'))
    yield '\nLOG_APP_SYSTEMD='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'app'), 'logs.app'))
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

blocks = {}
debug_info = '3=27&4=29&5=31&6=33&7=35&8=37&9=40&10=42&11=44&12=46&13=48&14=50&15=52&16=54&27=59'