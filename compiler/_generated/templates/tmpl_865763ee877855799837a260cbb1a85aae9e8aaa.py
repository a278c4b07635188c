from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_facts.sh.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_declaration_sha256 = resolve('declaration_sha256')
    l_0_version = resolve('version')
    l_0_health_check = resolve('health_check')
    l_0_health_commands = resolve('health_commands')
    l_0_machine = resolve('machine')
    l_0_provenance = resolve('provenance')
    l_0_load_hint = resolve('load_hint')
    l_0_r = missing
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['dictsort']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'dictsort' found.")
    try:
        t_3 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_4 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_5 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    try:
        t_6 = environment.filters['string']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'string' found.")
    pass
    yield '# shellcheck disable=SC2034,SC2016,SC2088,SC1003,SC2209  # facts: read by the library above; literal values\nset -u\numask 022\n\n# --- facts: agent '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ' as declared ---------------------------------\n'
    template = environment.get_template('_facts_run.sh.j2', '_facts.sh.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {'r': l_0_r}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield 'LABEL='
    yield str(t_4(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'label'), 'label'))
    yield '\nSCOPE='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'scope'))
    yield '\nENABLED='
    yield str(('yes' if environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'enable') else 'no'))
    yield '\nRUN_AT_LOAD='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'run_at_load') else 'no'))
    yield '\nKEEPALIVE_WAIVED='
    yield str(('yes' if ('unbounded-keepalive' in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'waivers')) else 'no'))
    yield '\nDECLARATION_SHA256='
    yield str(t_4(context, (undefined(name='declaration_sha256') if l_0_declaration_sha256 is missing else l_0_declaration_sha256), 'declaration'))
    yield '\nAGENTC_VERSION='
    yield str(t_4(context, (undefined(name='version') if l_0_version is missing else l_0_version), 'version'))
    yield '\nSETTLE='
    yield str(t_4(context, t_6(environment.getattr((undefined(name='health_check') if l_0_health_check is missing else l_0_health_check), 'settle')), 'lifecycle.settleSeconds'))
    yield '\nHEALTH_COMMAND_LAUNCHD='
    yield str(t_4(context, environment.getattr((undefined(name='health_commands') if l_0_health_commands is missing else l_0_health_commands), 'launchd'), 'health.command'))
    yield '\nHEALTH_COMMAND_SYSTEMD='
    yield str(t_4(context, environment.getattr((undefined(name='health_commands') if l_0_health_commands is missing else l_0_health_commands), 'systemd'), 'health.command'))
    yield '\nOWNER_PROJECT='
    yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'project'), 'owner.project'))
    yield '\nOWNER_COMPONENT='
    yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'component'), 'owner.component'))
    yield '\nOWNER_CONTACT='
    yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'contact'), 'owner.contact'))
    yield '\nINSTALL_LAUNCHD_DIR='
    yield str(t_5(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'launchd_dir') or ''), 'install.launchdDir'))
    yield '\nINSTALL_SYSTEMD_DIR='
    yield str(t_5(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'systemd_dir') or ''), 'install.systemdDir'))
    yield '\nCAPTURE_RUNTIME_STATE='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_runtime_state') else 'no'))
    yield '\nCAPTURE_IMAGE_METADATA='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_image_metadata') else 'no'))
    yield '\nCAPTURE_SERVICE_DEFINITION='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_service_definition') else 'no'))
    yield '\nCAPTURE_LOGS='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_logs') else 'no'))
    yield '\nCAPTURE_REDACTED_AUTH_CONFIG='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_redacted_auth_config') else 'no'))
    yield '\n'
    l_0_r = environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources')
    context.vars['r'] = l_0_r
    context.exported_vars.add('r')
    yield "CGROUP_LIMITS='"
    yield str(t_3(context.eval_ctx, (((['memory'] if environment.getattr((undefined(name='r') if l_0_r is missing else l_0_r), 'memory_mb') else []) + (['cpu'] if environment.getattr((undefined(name='r') if l_0_r is missing else l_0_r), 'cpus') else [])) + (['pids'] if environment.getattr((undefined(name='r') if l_0_r is missing else l_0_r), 'pids') else [])), ' '))
    yield "'\n"
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'SOURCE_IMAGE='
        yield str(t_4(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'source_image') or ''), 'sourceImage'))
        yield '\nREQUIRE_MACHINE_LAUNCHD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_MACHINE_SYSTEMD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_LOCAL_IMAGE='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'require_local_image') else 'no'))
        yield '\nPULL_AUTH='
        yield str(environment.getattr((undefined(name='provenance') if l_0_provenance is missing else l_0_provenance), 'pullAuth'))
        yield '\nLOAD_HINT='
        yield str(t_4(context, (undefined(name='load_hint') if l_0_load_hint is missing else l_0_load_hint), 'image'))
        yield '\n'
    else:
        pass
        yield "SOURCE_IMAGE=''\nREQUIRE_MACHINE_LAUNCHD=no\nREQUIRE_MACHINE_SYSTEMD=no\nREQUIRE_LOCAL_IMAGE=no\nPULL_AUTH=''\nLOAD_HINT=''\n"
    yield '\n# The host directories of the agent\'s volumes: runs "$@" with each.\nvolume_dirs() {\n'
    def t_7(fiter):
        for l_1_v in fiter:
            if ((environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman') and (not environment.getattr(l_1_v, 'named'))):
                yield l_1_v
    for l_1_v in t_7(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'volumes')):
        _loop_vars = {}
        pass
        yield '    "$@" '
        yield str(t_5(context, environment.getattr(l_1_v, 'source'), 'podman.volumes'))
        yield '\n'
    l_1_v = missing
    yield '    :\n}\n\n# The agent\'s named Podman volumes: runs "$@" with each.\nnamed_volumes() {\n'
    def t_8(fiter):
        for l_1_v in fiter:
            if ((environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman') and environment.getattr(l_1_v, 'named')):
                yield l_1_v
    for l_1_v in t_8(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'volumes')):
        _loop_vars = {}
        pass
        yield '    "$@" '
        yield str(t_4(context, environment.getattr(l_1_v, 'source'), 'podman.volumes'))
        yield '\n'
    l_1_v = missing
    yield '    :\n}\n\n# The agent\'s secret files: runs "$@" NAME FILE for each (never their content).\nsecret_files() {\n'
    for (l_1_name, l_1_secret) in t_2(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'secrets')):
        _loop_vars = {}
        pass
        yield '    "$@" '
        yield str(t_4(context, l_1_name, 'secrets'))
        yield ' '
        yield str(t_5(context, environment.getattr(l_1_secret, 'source'), str_join(('secrets.', l_1_name, ))))
        yield '\n'
    l_1_name = l_1_secret = missing
    yield '    :\n}\n\n# The ports the container publishes: runs "$@" ADDRESS PORT PROTOCOL for each.\npublished_ports() {\n'
    def t_9(fiter):
        for l_1_port in fiter:
            if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
                yield l_1_port
    for l_1_port in t_9(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'ports')):
        _loop_vars = {}
        pass
        yield '    "$@" '
        yield str(t_4(context, environment.getattr(l_1_port, 'address'), 'podman.ports'))
        yield ' '
        yield str(t_4(context, t_6(environment.getattr(l_1_port, 'host')), 'podman.ports'))
        yield ' '
        yield str(environment.getattr(l_1_port, 'protocol'))
        yield '\n'
    l_1_port = missing
    yield '    :\n}\n'

blocks = {}
debug_info = '7=57&8=59&9=66&10=68&11=70&12=72&13=74&14=76&15=78&16=80&17=82&18=84&19=86&20=88&21=90&22=92&23=94&24=96&25=98&26=100&27=102&28=104&29=106&30=110&31=112&32=115&33=117&34=119&35=121&36=123&37=125&49=131&50=139&57=143&58=151&65=155&66=159&73=165&74=173'